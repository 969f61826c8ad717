#!/usr/bin/env bash
# The edge's OpenAPI documents (the real contract and the test contract that
# exercises every HttpRule feature) pass a real OpenAPI 3.1 validator.
# Runs Debian's python3 (this Bazel's py_test looks for a `python` binary).
set -euo pipefail

dump="$1"
validator="$2"
shift 2
out="${TEST_TMPDIR:-$(mktemp -d)}"
docs=()
i=0
for descriptor_set in "$@"; do
  doc="$out/openapi_$i.json"
  "$dump" "$descriptor_set" "https://api.example" >"$doc"
  docs+=("$doc")
  i=$((i + 1))
done
exec python3 "$validator" "${docs[@]}"
