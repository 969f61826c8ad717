#!/usr/bin/env bash
# CPU cost of TLS at the REST edge: the same identity method (GetMe) driven
# by wrk through two edges in one run, one serving plain HTTP and one HTTPS
# (TLS 1.3, the dev CA's certificate), in front of one identity and one
# PostgreSQL. The edge's own CPU time (utime + stime from /proc) divided by
# the requests it answered is its CPU cost per request; printed for
# keep-alive connections (TLS record encryption only) and for a new
# connection per request (a full handshake each), with the HTTPS/HTTP ratios.
#
#   tests/bench/edge_tls_bench.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_PER_RUN="${1:-10}"
source tests/bench/bench_env.sh
bench_build //services/identity:identity_server //gateway:fineprint_edge \
  //protos:fineprint_descriptor_set
bench_work fp-edge-tls-bench

bash infra/tls/make-dev-certs.sh "$WORK/tls" edge-https@localhost >/dev/null
DSN="$(bench_postgres)"
GRPC_PORT="$(free_port)"; ID_ADMIN="$(free_port)"
FINEPRINT_MIN_LOG_LEVEL=warning "$BIN/services/identity/identity_server" --pg_dsn="$DSN" \
  --grpc_port="$GRPC_PORT" --admin_port="$ID_ADMIN" >"$WORK/identity.log" 2>&1 &
pids+=($!)
# start_edge NAME PORT ADMIN_PORT [FLAGS...]: prints the edge's pid.
start_edge() {
  local name="$1" port="$2" admin="$3"; shift 3
  FINEPRINT_MIN_LOG_LEVEL=warning "$BIN/gateway/fineprint_edge" \
    --descriptor_set="$BIN/protos/fineprint_descriptor_set.pb" --threads=1 \
    --http_port="$port" --admin_port="$admin" --rate_limit=false \
    --backend="fineprint.identity.v1.IdentityService=127.0.0.1:$GRPC_PORT" "$@" \
    >"$WORK/$name.log" 2>&1 &
  echo $!
}
HTTP_PORT="$(free_port)"; HTTPS_PORT="$(free_port)"
HTTP_ADMIN="$(free_port)"; HTTPS_ADMIN="$(free_port)"
HTTP_PID="$(start_edge http "$HTTP_PORT" "$HTTP_ADMIN")"; pids+=("$HTTP_PID")
HTTPS_PID="$(start_edge https "$HTTPS_PORT" "$HTTPS_ADMIN" \
  --https_cert="$WORK/tls/edge-https.pem" --https_key="$WORK/tls/edge-https.key")"
pids+=("$HTTPS_PID")
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$ID_ADMIN/readyz" >/dev/null 2>&1 &&
    curl -fs "http://127.0.0.1:$HTTP_ADMIN/healthz" >/dev/null 2>&1 &&
    curl -fs "http://127.0.0.1:$HTTPS_ADMIN/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
TOKEN="$(curl -fs "http://127.0.0.1:$HTTP_PORT/v1/auth:signUp" -H 'content-type: application/json' \
  -d '{"email":"bench@example.com","password":"correct horse battery staple","displayName":"Bench"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["tokens"]["accessToken"])')"
# The HTTPS edge answers too (and proves the certificate chain).
curl -fs --cacert "$WORK/tls/ca.pem" -H "authorization: Bearer $TOKEN" \
  "https://localhost:$HTTPS_PORT/v1/me" >/dev/null

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# measure PID URL CONNECTIONS [wrk args...]: "requests cpu_seconds".
measure() {
  local pid="$1" url="$2" conns="$3"; shift 3
  local before after out
  before="$(cpu_ticks "$pid")"
  out="$(wrk -c "$conns" -t 1 -d "${SECONDS_PER_RUN}s" -H "authorization: Bearer $TOKEN" "$@" "$url")"
  after="$(cpu_ticks "$pid")"
  local requests errors
  requests="$(echo "$out" | awk '/requests in/ {print $1}')"
  errors="$(echo "$out" | awk '/Non-2xx/ {print $NF}')"
  echo "$requests $(( after - before )) ${errors:-0}"
}

echo "edge TLS benchmark: GetMe, ${SECONDS_PER_RUN}s per run, one edge I/O thread each, $(nproc) cores shared by client and servers"
for url in "http://127.0.0.1:$HTTP_PORT/v1/me" "https://127.0.0.1:$HTTPS_PORT/v1/me"; do
  wrk -c 16 -t 1 -d 2s -H "authorization: Bearer $TOKEN" "$url" >/dev/null  # warm-up
done
KA_HTTP="$(measure "$HTTP_PID" "http://127.0.0.1:$HTTP_PORT/v1/me" 16)"
KA_HTTPS="$(measure "$HTTPS_PID" "https://127.0.0.1:$HTTPS_PORT/v1/me" 16)"
NC_HTTP="$(measure "$HTTP_PID" "http://127.0.0.1:$HTTP_PORT/v1/me" 16 -H 'connection: close')"
NC_HTTPS="$(measure "$HTTPS_PID" "https://127.0.0.1:$HTTPS_PORT/v1/me" 16 -H 'connection: close')"

python3 - "$(getconf CLK_TCK)" "$KA_HTTP" "$KA_HTTPS" "$NC_HTTP" "$NC_HTTPS" <<'PY'
import sys
hz = float(sys.argv[1])
def parse(s):
    req, ticks, errors = s.split()
    return int(req), int(ticks) / hz, int(errors)
rows = [("keep-alive", parse(sys.argv[2]), parse(sys.argv[3])),
        ("new connection each", parse(sys.argv[4]), parse(sys.argv[5]))]
for name, (hr, hc, he), (sr, sc, se) in rows:
    h_us = hc / hr * 1e6
    s_us = sc / sr * 1e6
    print(f"{name:20s} HTTP  {hr:8d} req  {h_us:7.1f} us CPU/req   non-2xx {he}")
    print(f"{name:20s} HTTPS {sr:8d} req  {s_us:7.1f} us CPU/req   non-2xx {se}")
    print(f"{name:20s} HTTPS/HTTP CPU per request  {s_us / h_us:.2f}")
PY
