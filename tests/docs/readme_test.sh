#!/usr/bin/env bash
# Runs the command blocks of README.md and of the READMEs given as
# arguments (each in its own shell, working folder and process group, in
# order), against a mesh this test
# brings up the way `./fineprint up` does (local PostgreSQL, the embedded
# Kafka broker, every service of infra/launcher/mesh.tsv, the REST edge),
# but on free ports. Fails when a command fails, a curl answers an HTTP
# error (or an in-band stream error) it was not told to expect, or grpcurl
# reports an RPC error. See tests/docs/readme_script.py for the rules.
#
# Needs grpcurl (infra/install.sh installs it into ~/.cache/fineprint/bin).
set -uo pipefail
ROOT="$PWD"   # the runfiles tree of the workspace
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"   # runuser, for PostgreSQL as root

find_grpcurl() {
  local home dir
  home="$(getent passwd "$(id -un)" | cut -d: -f6)"
  for dir in ${FINEPRINT_CACHE:+"$FINEPRINT_CACHE/bin"} "$home/.cache/fineprint/bin" "$home/go/bin"; do
    [[ -x "$dir/grpcurl" ]] && { echo "$dir"; return 0; }
  done
  command -v grpcurl >/dev/null && { dirname "$(command -v grpcurl)"; return 0; }
  return 1
}
GRPCURL_DIR="$(find_grpcurl)" || {
  echo "grpcurl not found: run infra/install.sh (or go install github.com/fullstorydev/grpcurl/cmd/grpcurl@v1.9.1)" >&2
  exit 1
}

WORK="$(mktemp -d /var/tmp/fp-readme-test.XXXXXX)"
chmod 755 "$WORK"
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  bash "$ROOT/infra/postgres/stop-local.sh" "$WORK/pg" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() {
  echo "readme_test: $*" >&2
  local f
  for f in "$WORK"/*.log; do [[ -e "$f" ]] && { echo "--- tail of $f" >&2; tail -n 15 "$f" >&2; }; done
  exit 1
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_ready() {  # NAME PID URL
  for _ in $(seq 1 300); do
    kill -0 "$2" 2>/dev/null || fail "$1 exited"
    curl -fs "$3" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  fail "$1 not ready at $3"
}

export FINEPRINT_MIN_LOG_LEVEL=warning
DSN="$(cd "$WORK" && bash "$ROOT/infra/postgres/start-local.sh" "$WORK/pg" "$(free_port)" 2>"$WORK/postgres-start.log" | tail -n 1)"
[[ -n "$DSN" ]] || fail "PostgreSQL did not start"

events/broker/fineprint_mock_kafka --port_file="$WORK/kafka.addr" >"$WORK/kafka.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do [[ -s "$WORK/kafka.addr" ]] && break; sleep 0.1; done
[[ -s "$WORK/kafka.addr" ]] || fail "embedded Kafka did not start"
KAFKA="$(cat "$WORK/kafka.addr")"

# What the service walkthroughs start the mesh with (their skipped
# `./fineprint up` lines; every binary reads FINEPRINT_<FLAG>): a page served
# on loopback (monitoring) and webhooks to a local receiver (notification).
export FINEPRINT_OUTBOUND_ALLOW=127.0.0.1/32 FINEPRINT_ALLOW_HTTP_WEBHOOKS=true

# Each documented port (mesh.tsv and the launcher's defaults) maps to a
# free one.
port_args=()
backends=()
identity_target=""
while IFS=$'\t' read -r name target binary grpc admin proto; do
  [[ -z "$name" || "$name" == \#* ]] && continue
  [[ -x "$binary" ]] || fail "$binary ($target, a row of mesh.tsv) is not in the test's data"
  g="$(free_port)"; a="$(free_port)"
  port_args+=(--port "$grpc=$g" --port "$admin=$a")
  extra=()
  [[ "$name" != identity ]] && extra=(--identity_target="$identity_target")
  "$binary" --pg_dsn="$DSN" --listen_host=127.0.0.1 --grpc_port="$g" --admin_port="$a" \
    --kafka_bootstrap_servers="$KAFKA" "${extra[@]}" >"$WORK/$name.log" 2>&1 &
  pids+=($!)
  wait_ready "$name" "$!" "http://127.0.0.1:$a/readyz"
  [[ "$name" == identity ]] && identity_target="127.0.0.1:$g"
  backends+=(--backend="$proto=127.0.0.1:$g")
done <infra/launcher/mesh.tsv

http="$(free_port)"; edge_admin="$(free_port)"
port_args+=(--port "8080=$http" --port "9080=$edge_admin")
gateway/fineprint_edge --descriptor_set=protos/fineprint_descriptor_set.pb \
  --listen_host=127.0.0.1 --http_host=127.0.0.1 --http_port="$http" --admin_port="$edge_admin" \
  --kafka_bootstrap_servers="$KAFKA" "${backends[@]}" >"$WORK/edge.log" 2>&1 &
pids+=($!)
wait_ready edge "$!" "http://127.0.0.1:$edge_admin/healthz"

# Ports the walkthroughs serve pages on themselves.
port_args+=(--any-port "8765=$(free_port)" --any-port "8766=$(free_port)")

cat >"$WORK/prelude.sh" <<'PRELUDE'
__FAILS="$WORK/failures"; : >"$__FAILS"; __EXPECT=ok
__expect() { __EXPECT="$1"; }
__check() {
  local rc="$1" where="$2"
  if [[ -s "$__FAILS" ]]; then echo "FAILED: $where:" >&2; cat "$__FAILS" >&2; exit 1; fi
  if ((rc != 0)); then echo "FAILED: $where: exit status $rc" >&2; exit 1; fi
  __EXPECT=ok
}
curl() {
  local hdr body rc status
  hdr="$(mktemp -p "$WORK")"; body="$(mktemp -p "$WORK")"
  command curl -D "$hdr" "$@" >"$body"; rc=$?
  status="$(awk '/^HTTP\// { s = $2 } END { print s }' "$hdr")"
  cat "$body" 2>/dev/null
  if [[ "$__EXPECT" == ok ]]; then
    # A stream watched for a while (-m N) ends by timing out (exit 28).
    if ((rc == 28)) && [[ " $* " == *" -m "* ]] && [[ -n "$status" ]] && ((status < 400)); then rc=0; fi
    if ((rc != 0)) || [[ -z "$status" ]] || ((status >= 400)); then
      echo "curl $*: HTTP ${status:-none}, exit $rc: $(head -c 600 "$body")" >>"$__FAILS"
      return 1
    fi
    if grep -qE '^event: error|^\{"error":' "$body"; then
      echo "curl $*: error in the stream: $(grep -m1 -A1 -E '^event: error|^\{"error":' "$body")" >>"$__FAILS"
      return 1
    fi
  elif [[ "$status" != "$__EXPECT" ]]; then
    echo "curl $*: expected HTTP $__EXPECT, got ${status:-none}: $(head -c 600 "$body")" >>"$__FAILS"
    return 1
  fi
  return 0
}
grpcurl() {
  command grpcurl "$@"; local rc=$?
  ((rc == 0)) || echo "grpcurl $*: exit $rc" >>"$__FAILS"
  return "$rc"
}
PRELUDE

echo "mesh up (kafka $KAFKA)" >&2
for doc in README.md "$@"; do
  script="$WORK/$(echo "$doc" | tr / _).sh"
  python3 tests/docs/readme_script.py "${port_args[@]}" "$doc" >"$script" ||
    fail "could not extract the commands of $doc"
  echo "running the commands of $doc" >&2
  dir="$(mktemp -d "$WORK/cwd.XXXXXX")"
  # A walkthrough may leave a server in the background: its own process
  # group goes when it is done.
  (cd "$dir" && WORK="$WORK" SCRIPT="$script" PATH="$GRPCURL_DIR:$PATH" exec setsid bash --noprofile --norc -c \
    'source "$WORK/prelude.sh"; source "$SCRIPT"') &
  runner=$!
  wait "$runner"; rc=$?
  kill -TERM -- -"$runner" 2>/dev/null
  ((rc == 0)) || fail "a command of $doc failed (above)"
  echo "$doc: every command ran"
done
