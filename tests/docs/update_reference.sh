#!/usr/bin/env bash
# bazel run //tests/docs:update_reference: regenerates docs/reference.md in
# the source tree from the binaries' --helpfull and their sources' metrics.
set -euo pipefail
gen="$1"; shift
out="${BUILD_WORKSPACE_DIRECTORY:?run me with bazel run}/docs/reference.md"
python3 "$gen" --out "$out" "$@"
echo "wrote $out" >&2
