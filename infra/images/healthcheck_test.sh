#!/usr/bin/env bash
# fineprint_healthcheck against a real HTTP server on loopback: 200 passes,
# 404 and a closed port fail, bad arguments are usage errors.
set -euo pipefail
probe="$1"
dir="$(mktemp -d)"
mkdir -p "$dir/www"
echo ok >"$dir/www/readyz"
/usr/bin/python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$dir/www" \
  >"$dir/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$dir"' EXIT
port=""
for _ in $(seq 1 100); do
  port="$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$dir/server.log" | head -n 1)"
  [[ -n "$port" ]] && break
  sleep 0.1
done
[[ -n "$port" ]] || { echo "http.server did not start"; cat "$dir/server.log"; exit 1; }

"$probe" --help | grep -q usage
"$probe" "$port" /readyz || { echo "FAIL: 200 not accepted"; exit 1; }
if "$probe" "$port" /missing; then echo "FAIL: 404 accepted"; exit 1; fi
kill "$server"; wait "$server" 2>/dev/null || true
if "$probe" "$port" /readyz; then echo "FAIL: closed port accepted"; exit 1; fi
set +e
"$probe" notaport /readyz 2>/dev/null; rc=$?
set -e
[[ $rc -eq 2 ]] || { echo "FAIL: bad port gave $rc, want 2"; exit 1; }
echo "healthcheck: 4 passed, 0 failed"
