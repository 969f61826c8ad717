#!/bin/bash
# Starts //gateway:fineprint_edge on a free port and checks what only the
# binary does: flag parsing, /healthz, /readyz, SIGHUP reload (good and bad file),
# SIGTERM shutdown.
set -euo pipefail

EDGE="$TEST_SRCDIR/fineprint/gateway/fineprint_edge"
SET="$TEST_SRCDIR/fineprint/protos/fineprint_descriptor_set.pb"
WORK="${TEST_TMPDIR:-$(mktemp -d)}"
cp "$SET" "$WORK/api.pb"
LOG="$WORK/edge.log"

ADMIN_PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$EDGE" --descriptor_set="$WORK/api.pb" --http_host=127.0.0.1 --http_port=0 \
  --admin_port="$ADMIN_PORT" --threads=1 \
  --backend=fineprint.identity.v1.IdentityService=127.0.0.1:1 >"$LOG" 2>&1 &
PID=$!
trap 'kill -9 $PID 2>/dev/null || true' EXIT

wait_for() {  # pattern
  for _ in $(seq 1 100); do
    if grep -q "$1" "$LOG"; then return 0; fi
    sleep 0.1
  done
  echo "timed out waiting for: $1"; cat "$LOG"; exit 1
}

wait_for '"edge serving"'
PORT=$(grep '"edge serving"' "$LOG" | sed 's/.*"http_port":\([0-9]*\).*/\1/')
echo "edge on port $PORT"

http_get() {  # path [port] -> status line
  exec 3<>"/dev/tcp/127.0.0.1/${2:-$PORT}"
  printf 'GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' "$1" >&3
  head -n 1 <&3 | tr -d '\r'
  exec 3<&-
}

[[ "$(http_get /healthz)" == "HTTP/1.1 200 OK" ]] || { echo "healthz failed"; exit 1; }
[[ "$(http_get /v1/nothing)" == "HTTP/1.1 404 Not Found" ]] || { echo "404 failed"; exit 1; }
# The only backend (port 1) does not answer: alive, but not ready.
[[ "$(http_get /healthz "$ADMIN_PORT")" == "HTTP/1.1 200 OK" ]] || { echo "admin healthz failed"; exit 1; }
[[ "$(http_get /readyz "$ADMIN_PORT")" == "HTTP/1.1 503 Service Unavailable" ]] || { echo "readyz should be 503"; exit 1; }

kill -HUP $PID
wait_for '"API reloaded"'

echo "garbage" >"$WORK/api.pb"
kill -HUP $PID
wait_for '"reload failed; keeping the running API"'
[[ "$(http_get /healthz)" == "HTTP/1.1 200 OK" ]] || { echo "healthz after bad reload"; exit 1; }

kill -TERM $PID
wait $PID
trap - EXIT
grep -q '"edge stopping"' "$LOG"
echo PASS
