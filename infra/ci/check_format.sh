#!/usr/bin/env bash
# Fails when a C++ file of the tree differs from clang-format's output
# (Google style, .clang-format). `--fix` rewrites the files instead.
set -euo pipefail
cd "$(dirname "$0")/../.."
CLANG_FORMAT="${CLANG_FORMAT:-clang-format-14}"
mapfile -t files < <(git ls-files -- '*.cc' '*.h' | grep -v '^infra/bazel/')
if [[ "${1:-}" == "--fix" ]]; then
  "$CLANG_FORMAT" -i "${files[@]}"
  exit 0
fi
bad=()
for f in "${files[@]}"; do
  if ! "$CLANG_FORMAT" --dry-run -Werror "$f" >/dev/null 2>&1; then bad+=("$f"); fi
done
if ((${#bad[@]})); then
  printf 'not clang-formatted (run infra/ci/check_format.sh --fix):\n' >&2
  printf '  %s\n' "${bad[@]}" >&2
  exit 1
fi
echo "format: ${#files[@]} files clean"
