#!/usr/bin/env bash
# Starts the real edge on a free port, fetches /asyncapi.json (GET and HEAD)
# and validates it with @asyncapi/parser; then proves the validator bites:
# copies with a dangling reference and with an example that contradicts its
# schema must be refused.
set -euo pipefail

EDGE="$1"
SET="$2"
VALIDATOR="$3"
WORK="${TEST_TMPDIR:-$(mktemp -d)}"

home="$(getent passwd "$(id -un)" | cut -d: -f6)"
modules=""
for dir in ${FINEPRINT_CACHE:+"$FINEPRINT_CACHE/node/asyncapi/node_modules"} \
  "$home/.cache/fineprint/node/asyncapi/node_modules"; do
  [[ -d "$dir/@asyncapi/parser" ]] && { modules="$dir"; break; }
done
if [[ -z "$modules" ]]; then
  echo "@asyncapi/parser not found: run infra/install.sh" >&2
  exit 1
fi
validate() { NODE_PATH="$modules" /usr/bin/node "$VALIDATOR" "$@"; }

LOG="$WORK/edge.log"
"$EDGE" --descriptor_set="$SET" --http_host=127.0.0.1 --http_port=0 \
  --admin_port=0 --threads=1 \
  --backend=fineprint.identity.v1.IdentityService=127.0.0.1:1 >"$LOG" 2>&1 &
PID=$!
trap 'kill -9 $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  grep -q '"edge serving"' "$LOG" && break
  sleep 0.1
done
grep -q '"edge serving"' "$LOG" || { echo "edge did not start"; cat "$LOG"; exit 1; }
PORT=$(grep '"edge serving"' "$LOG" | sed 's/.*"http_port":\([0-9]*\).*/\1/')
URL="http://127.0.0.1:$PORT/asyncapi.json"

DOC="$WORK/asyncapi.json"
curl -sS --fail -D "$WORK/get.headers" -o "$DOC" "$URL"
grep -qi '^content-type: application/json' "$WORK/get.headers"
curl -sS --fail -I -o "$WORK/head.headers" "$URL"
length=$(grep -i '^content-length:' "$WORK/head.headers" | tr -d '\r' | awk '{print $2}')
[[ "$length" == "$(stat -c %s "$DOC")" ]] || {
  echo "HEAD content-length $length, GET sent $(stat -c %s "$DOC") bytes"; exit 1; }

validate "$DOC"

# A reference to a message the channel does not have.
/usr/bin/python3 - "$DOC" "$WORK/dangling.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
op = next(iter(doc["operations"].values()))
op["messages"].append({"$ref": op["channel"]["$ref"] + "/messages/NoSuchEvent"})
json.dump(doc, open(sys.argv[2], "w"))
PY
# An example whose payload breaks its schema (a number where the proto3
# JSON mapping has a string).
/usr/bin/python3 - "$DOC" "$WORK/bad_example.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
name, msg = next(iter(doc["components"]["messages"].items()))
props = doc["components"]["schemas"][name]["properties"]
field = next(k for k, v in props.items() if v.get("type") == "string")
msg["examples"][0]["payload"][field] = 42
json.dump(doc, open(sys.argv[2], "w"))
PY
for bad in dangling bad_example; do
  if validate "$WORK/$bad.json" >"$WORK/$bad.out" 2>&1; then
    echo "the validator accepted $bad.json:"; cat "$WORK/$bad.out"; exit 1
  fi
  echo "refused as expected: $bad.json"
done

kill -TERM $PID
wait $PID || true
trap - EXIT
echo PASS
