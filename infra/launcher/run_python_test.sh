#!/usr/bin/env bash
# Runs a Python unittest file with Debian's python3 (this Bazel's py_test
# looks for a `python` binary Debian does not ship).
set -euo pipefail
exec python3 "$1"
