#!/usr/bin/env bash
# REST edge benchmark: the same identity method (GetMe: token check + two
# queries) driven through the edge by wrk (HTTP/1.1 keep-alive, 64
# connections) and directly over gRPC by the project's load generator (64
# calls in flight), in one run against one identity and one PostgreSQL.
# Prints requests/s, p50, p99 of both and the ratios.
#
#   tests/bench/edge_bench.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_PER_RUN="${1:-10}"
source tests/bench/bench_env.sh
bench_build //services/identity:identity_server //gateway:fineprint_edge \
  //protos:fineprint_descriptor_set //tests/bench:grpc_load
bench_work fp-edge-bench

DSN="$(bench_postgres)"
GRPC_PORT="$(free_port)"; HTTP_PORT="$(free_port)"; EDGE_ADMIN="$(free_port)"; ID_ADMIN="$(free_port)"
FINEPRINT_MIN_LOG_LEVEL=warning "$BIN/services/identity/identity_server" --pg_dsn="$DSN" \
  --grpc_port="$GRPC_PORT" --admin_port="$ID_ADMIN" >"$WORK/identity.log" 2>&1 &
pids+=($!)
"$BIN/gateway/fineprint_edge" --descriptor_set="$BIN/protos/fineprint_descriptor_set.pb" \
  --http_port="$HTTP_PORT" --admin_port="$EDGE_ADMIN" --rate_limit=false \
  --backend="fineprint.identity.v1.IdentityService=127.0.0.1:$GRPC_PORT" >"$WORK/edge.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$ID_ADMIN/readyz" >/dev/null 2>&1 &&
    curl -fs "http://127.0.0.1:$EDGE_ADMIN/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
TOKEN="$(curl -fs "http://127.0.0.1:$HTTP_PORT/v1/auth:signUp" -H 'content-type: application/json' \
  -d '{"email":"bench@example.com","password":"correct horse battery staple","displayName":"Bench"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["tokens"]["accessToken"])')"

echo "edge benchmark: GetMe, 64 connections, ${SECONDS_PER_RUN}s each, $(nproc) cores shared by client and servers"
# Warm-up: JWKS cache, connections, prepared statements.
wrk -c 64 -t 2 -d 2s -H "authorization: Bearer $TOKEN" "http://127.0.0.1:$HTTP_PORT/v1/me" >/dev/null
"$BIN/tests/bench/grpc_load" --target="127.0.0.1:$GRPC_PORT" --token="$TOKEN" --seconds=2 >/dev/null

EDGE_OUT="$(wrk -c 64 -t 2 -d "${SECONDS_PER_RUN}s" --latency -H "authorization: Bearer $TOKEN" \
  "http://127.0.0.1:$HTTP_PORT/v1/me")"
GRPC_OUT="$("$BIN/tests/bench/grpc_load" --target="127.0.0.1:$GRPC_PORT" --token="$TOKEN" \
  --concurrency=64 --channels=64 --seconds="$SECONDS_PER_RUN")"
non2xx="$(echo "$EDGE_OUT" | awk '/Non-2xx/ {print $NF}')"

python3 - "$EDGE_OUT" "$GRPC_OUT" "${non2xx:-0}" <<'PY'
import re, sys
def ms(text, pct):
    m = re.search(r"^\s*%s%%\s+([\d.]+)(us|ms|s)" % pct, text, re.M)
    v, unit = float(m.group(1)), m.group(2)
    return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
def rps(text):
    return float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
edge, grpc, non2xx = sys.argv[1], sys.argv[2], int(sys.argv[3])
e, g = rps(edge), rps(grpc)
e50, e99, g50, g99 = ms(edge, 50), ms(edge, 99), ms(grpc, 50), ms(grpc, 99)
print(f"edge (wrk, HTTP/JSON)   {e:9.0f} req/s   p50 {e50:7.2f} ms   p99 {e99:7.2f} ms   non-2xx {non2xx}")
print(f"direct gRPC             {g:9.0f} req/s   p50 {g50:7.2f} ms   p99 {g99:7.2f} ms")
print(f"throughput ratio edge/direct  {e / g:.2f}  (target >= 0.70)")
print(f"p50 overhead                  {(e50 / g50 - 1) * 100:+.0f}%  (target <= +15%)")
print(f"p99 ratio edge/direct         {e99 / g99:.2f}")
PY
