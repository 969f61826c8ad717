#!/usr/bin/env bash
# Fails when docs/reference.md is not what the code generates now.
set -euo pipefail
checked_in="$1"; gen="$2"; shift 2
fresh="${TEST_TMPDIR:-/tmp}/reference.md"
python3 "$gen" --out "$fresh" "$@"
if ! diff -u "$checked_in" "$fresh"; then
  echo >&2
  echo "docs/reference.md is stale: run  bazel run //tests/docs:update_reference" >&2
  exit 1
fi
echo "docs/reference.md is up to date"
