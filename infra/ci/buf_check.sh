#!/usr/bin/env bash
# The contracts' CI check: `buf lint` over protos/ and `buf breaking`
# against the protos of the last commit on main (rules: protos/buf.yaml).
#
#   infra/ci/buf_check.sh [--against <git revision>]
#
# What "the last commit on main" is depends on where this runs:
#   - on main, protos/ clean (CI's clean clone): HEAD~1, so the commit
#     being tested is what is checked;
#   - on main with uncommitted proto changes (a developer): HEAD;
#   - anywhere else (a branch, a detached checkout of one): main (or
#     origin/main). A branch behind main must be rebased first, or main's
#     additions read as deletions.
# A new package (a new service, or `.v2` of one) has nothing to be compared
# with, so it never fails the check; changing or removing what a released
# package has does. Exit status: 0 clean, 1 violations, 2 setup errors.
set -euo pipefail
cd "$(dirname "$0")/../.."

against=""
while (($#)); do
  case "$1" in
    --against) against="$2"; shift 2 ;;
    *) echo "usage: $0 [--against <git revision>]" >&2; exit 2 ;;
  esac
done

find_buf() {
  local home dir
  home="$(getent passwd "$(id -un)" | cut -d: -f6)"
  for dir in ${FINEPRINT_CACHE:+"$FINEPRINT_CACHE/bin"} "$home/.cache/fineprint/bin"; do
    [[ -x "$dir/buf" ]] && { echo "$dir/buf"; return 0; }
  done
  command -v buf
}
BUF="${BUF:-$(find_buf)}" || { echo "buf not found: run infra/install.sh" >&2; exit 2; }

echo "buf lint protos" >&2
"$BUF" lint protos || exit 1

if [[ -z "$against" ]]; then
  main=""
  for ref in refs/heads/main refs/remotes/origin/main; do
    if git rev-parse -q --verify "$ref^{commit}" >/dev/null; then main="$ref"; break; fi
  done
  [[ -n "$main" ]] || { echo "no main branch to compare with (pass --against)" >&2; exit 2; }
  if [[ "$(git rev-parse HEAD)" != "$(git rev-parse "$main")" ]]; then
    against="$main"
  elif [[ -n "$(git status --porcelain -- protos)" ]]; then
    against=HEAD
  elif git rev-parse -q --verify 'HEAD~1^{commit}' >/dev/null; then
    against=HEAD~1
  elif [[ "$(git rev-parse --is-shallow-repository)" == true ]]; then
    echo "shallow clone without HEAD~1: fetch with --depth=2 or more" >&2
    exit 2
  else
    echo "buf breaking: first commit, nothing to compare with" >&2
    exit 0
  fi
fi
commit="$(git rev-parse --verify "$against^{commit}")" ||
  { echo "unknown revision $against" >&2; exit 2; }
if ! git cat-file -e "$commit:protos" 2>/dev/null; then
  echo "buf breaking: $against has no protos/, nothing to compare with" >&2
  exit 0
fi
echo "buf breaking protos against $against ($commit)" >&2
"$BUF" breaking protos \
  --against "$(git rev-parse --absolute-git-dir)#ref=$commit,subdir=protos" || exit 1
