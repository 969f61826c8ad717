#!/usr/bin/env bash
# Peer benchmark of the REST edge (issue #12): the Fineprint edge (-c opt)
# and grpc-gateway v2 (default ServeMux, built by build.sh from the same
# protos) in front of ONE identity backend and PostgreSQL. For each call,
# wrk (30 connections) runs against them alternately A/B/A/B; each side's
# figures are the mean of its runs. Edge CPU is utime+stime of the
# translator process only, from /proc/<pid>/stat, read around each run.
#
#   infra/bench/grpc_gateway/peer_bench.sh [seconds per run]   # default 10
#   (also: ./fineprint bench edge_peer)
#
# Env: PEER_ROUNDS (A/B pairs, default 2), PEER_CONNECTIONS (default 30),
# PEER_BAZEL_BIN (a -c opt bazel-bin to take the binaries from instead of
# building this checkout),
# PEER_EDGE_ENV (extra VAR=value for the Fineprint edge, e.g. an
# LD_PRELOAD to try an allocator), PEER_PERF=1 records `perf record -g` of the Fineprint edge during its
# first /v1/me run into $PEER_PERF_OUT (default /tmp/edge.perf.data).
set -euo pipefail
cd "$(dirname "$0")/../../.."
SECS="${1:-10}"
ROUNDS="${PEER_ROUNDS:-2}"
CONNS="${PEER_CONNECTIONS:-30}"
PEER="$(bash infra/bench/grpc_gateway/build.sh | tail -n 1)"
source tests/bench/bench_env.sh
if [[ -n "${PEER_BAZEL_BIN:-}" ]]; then
  BIN="$PEER_BAZEL_BIN"  # binaries built elsewhere (e.g. a baseline checkout)
else
  bench_build //services/identity:identity_server //gateway:fineprint_edge \
    //protos:fineprint_descriptor_set
fi
bench_work fp-edge-peer

DSN="$(bench_postgres)"
GRPC_PORT="$(free_port)"; ID_ADMIN="$(free_port)"
EDGE_PORT="$(free_port)"; EDGE_ADMIN="$(free_port)"; PEER_PORT="$(free_port)"
FINEPRINT_MIN_LOG_LEVEL=warning "$BIN/services/identity/identity_server" --pg_dsn="$DSN" \
  --grpc_port="$GRPC_PORT" --admin_port="$ID_ADMIN" >"$WORK/identity.log" 2>&1 &
pids+=($!)
env FINEPRINT_MIN_LOG_LEVEL=warning ${PEER_EDGE_ENV:-} "$BIN/gateway/fineprint_edge" \
  --descriptor_set="$BIN/protos/fineprint_descriptor_set.pb" \
  --http_port="$EDGE_PORT" --admin_port="$EDGE_ADMIN" --rate_limit=false \
  --backend="fineprint.identity.v1.IdentityService=127.0.0.1:$GRPC_PORT" >"$WORK/edge.log" 2>&1 &
EDGE_PID=$!
pids+=($EDGE_PID)
"$PEER" -listen="127.0.0.1:$PEER_PORT" -identity="127.0.0.1:$GRPC_PORT" >"$WORK/peer.log" 2>&1 &
PEER_PID=$!
pids+=($PEER_PID)
for _ in $(seq 1 150); do
  curl -fs "http://127.0.0.1:$ID_ADMIN/readyz" >/dev/null 2>&1 &&
    curl -fs "http://127.0.0.1:$EDGE_ADMIN/healthz" >/dev/null 2>&1 &&
    curl -fs "http://127.0.0.1:$PEER_PORT/v1/auth/jwks" >/dev/null 2>&1 && break
  sleep 0.2
done
TOKEN="$(curl -fs "http://127.0.0.1:$EDGE_PORT/v1/auth:signUp" -H 'content-type: application/json' \
  -d '{"email":"peer@example.com","password":"correct horse battery staple","displayName":"Peer"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["tokens"]["accessToken"])')"
# Both must answer the same before anything is timed.
for port in "$EDGE_PORT" "$PEER_PORT"; do
  curl -fs "http://127.0.0.1:$port/v1/me" -H "authorization: Bearer $TOKEN" >/dev/null
  curl -fs "http://127.0.0.1:$port/v1/auth/jwks" >/dev/null
done

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# One timed run: prints "<wrk output>\n@@ cpu_ticks non2xx".
run() {  # side pid port path [auth]
  local pid="$2" url="http://127.0.0.1:$3$4" before after out
  local -a hdr=()
  [[ -n "${5:-}" ]] && hdr=(-H "authorization: Bearer $TOKEN")
  before="$(cpu_ticks "$pid")"
  out="$(wrk -c "$CONNS" -t 2 -d "${SECS}s" --latency "${hdr[@]}" "$url")"
  after="$(cpu_ticks "$pid")"
  printf '%s\n@@ %s %s %s\n' "$out" "$1" "$((after - before))" \
    "$(echo "$out" | awk '/Non-2xx/ {print $NF}')"
}

echo "edge peer benchmark: ${CONNS} connections, ${SECS}s per run, ${ROUNDS} A/B rounds," \
  "$(nproc) cores shared by wrk, both edges, identity and PostgreSQL"
grep -o 'grpc-gateway/v2 v[0-9.]*' "$(dirname "$PEER")/../src/go.mod" | head -n 1
RESULTS="$WORK/results"
: >"$RESULTS"
for call in jwks me; do
  if [[ $call == jwks ]]; then path=/v1/auth/jwks; auth=; else path=/v1/me; auth=1; fi
  # Warm-up: connections, JWKS caches, prepared statements.
  wrk -c "$CONNS" -t 2 -d 2s ${auth:+-H "authorization: Bearer $TOKEN"} \
    "http://127.0.0.1:$EDGE_PORT$path" >/dev/null
  wrk -c "$CONNS" -t 2 -d 2s ${auth:+-H "authorization: Bearer $TOKEN"} \
    "http://127.0.0.1:$PEER_PORT$path" >/dev/null
  for r in $(seq 1 "$ROUNDS"); do
    if [[ "${PEER_PERF:-0}" == 1 && $call == me && $r == 1 ]]; then
      perf record -F 999 -g -p "$EDGE_PID" -o "${PEER_PERF_OUT:-/tmp/edge.perf.data}" \
        -- sleep "$SECS" >/dev/null 2>&1 &
      perf_pid=$!
    fi
    { echo "== $call fineprint"; run fineprint "$EDGE_PID" "$EDGE_PORT" "$path" "$auth"; } >>"$RESULTS"
    [[ -n "${perf_pid:-}" ]] && { wait "$perf_pid" || true; perf_pid=; }
    { echo "== $call grpc-gateway"; run grpc-gateway "$PEER_PID" "$PEER_PORT" "$path" "$auth"; } >>"$RESULTS"
  done
done

python3 - "$RESULTS" "$(getconf CLK_TCK)" <<'PY'
import re, sys, statistics as st
text, hz = open(sys.argv[1]).read(), float(sys.argv[2])
def ms(block, pct):
    m = re.search(r"^\s*%s%%\s+([\d.]+)(us|ms|s)\b" % pct, block, re.M)
    v, unit = float(m.group(1)), m.group(2)
    return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
runs = {}
for block in text.split("== ")[1:]:
    head, body = block.split("\n", 1)
    call, side = head.split()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", body).group(1))
    total = int(re.search(r"(\d+) requests in", body).group(1))
    m = re.search(r"^@@ (\S+) (\d+) ?(\d*)$", body, re.M)
    ticks, non2xx = int(m.group(2)), int(m.group(3) or 0)
    runs.setdefault((call, side), []).append(dict(
        rps=rps, p50=ms(body, 50), p99=ms(body, 99),
        cpu10k=ticks / hz / total * 10000, non2xx=non2xx))
names = {"jwks": "GET /v1/auth/jwks (public)", "me": "GET /v1/me (Bearer)"}
for call in ("jwks", "me"):
    print(f"\n{names[call]}")
    agg = {}
    for side in ("fineprint", "grpc-gateway"):
        rs = runs[(call, side)]
        a = {k: st.mean(r[k] for r in rs) for k in ("rps", "p50", "p99", "cpu10k")}
        a["non2xx"] = sum(r["non2xx"] for r in rs)
        agg[side] = a
        print(f"  {side:13s} {a['rps']:9.0f} req/s   p50 {a['p50']:7.2f} ms   p99 {a['p99']:7.2f} ms"
              f"   {a['cpu10k']:6.3f} CPU-s/10k req   non-2xx {a['non2xx']}"
              f"   (runs: {', '.join('%.0f' % r['rps'] for r in rs)} req/s)")
    f, g = agg["fineprint"], agg["grpc-gateway"]
    print(f"  ratio fineprint/grpc-gateway: req/s {f['rps'] / g['rps']:.2f}   "
          f"requests per edge CPU-second {g['cpu10k'] / f['cpu10k']:.2f}   "
          f"p50 {f['p50'] / g['p50']:.2f}   p99 {f['p99'] / g['p99']:.2f}")
PY
