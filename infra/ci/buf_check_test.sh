#!/usr/bin/env bash
# infra/ci/buf_check.sh on a scratch git repository holding a copy of the
# contracts: it passes unchanged and additive changes, a brand-new package
# and a new major version; it fails a field renumbered or retyped in an
# event (committed on main, on a branch, or uncommitted), a deleted field
# and a lint violation.
set -uo pipefail

SCRIPT="$1"
BUF_YAML="$2"
WORK="${TEST_TMPDIR:-$(mktemp -d)}"
PROTOS="$(dirname "$BUF_YAML")"
export HOME="$WORK/home" GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME=ci GIT_AUTHOR_EMAIL=ci@example.com
export GIT_COMMITTER_NAME=ci GIT_COMMITTER_EMAIL=ci@example.com
# buf's own cache, out of the real home.
export BUF_CACHE_DIR="$WORK/buf-cache"
mkdir -p "$HOME"

repo="$WORK/repo"
rm -rf "$repo"
mkdir -p "$repo/infra/ci"
cp "$SCRIPT" "$repo/infra/ci/buf_check.sh"
(cd "$PROTOS" && find -L . \( -name '*.proto' -o -name buf.yaml \) -print0 |
  xargs -0 -I{} install -D -m 644 {} "$repo/protos/{}")
cd "$repo"
git init -q -b main .
git add -A && git commit -qm base

failures=0
check() {  # expected-status description
  local want="$1" what="$2" got
  bash infra/ci/buf_check.sh >"$WORK/out" 2>&1
  got=$?
  if [[ "$got" != "$want" ]]; then
    echo "FAIL: $what: exit $got, want $want"; cat "$WORK/out"
    failures=$((failures + 1))
  else
    echo "ok: $what (exit $got)"
  fi
}
expect_output() {  # pattern
  grep -q -- "$1" "$WORK/out" || { echo "FAIL: output lacks '$1'"; cat "$WORK/out"; failures=$((failures + 1)); }
}
commit() { git add -A && git commit -qm "$1"; }

EVENTS=protos/fineprint/identity/events/v1/events.proto
# Pick fields by what they are, not by line: the file may grow.
grep -q '  string email = 3;' "$EVENTS" || { echo "fixture: no 'string email = 3;' in $EVENTS"; exit 1; }

check 0 "first commit on main (nothing to compare with)"
expect_output 'first commit'
git commit -q --allow-empty -m "no proto change"
check 0 "unchanged contract, on main (against HEAD~1)"
expect_output 'against HEAD~1'

# Additive: a new field in an event.
sed -i 's/  string email = 3;/  string email = 3;\n  string locale = 99;/' "$EVENTS"
check 0 "uncommitted new field on main (against HEAD)"
commit "add a field"
check 0 "committed new field on main (against HEAD~1)"

# A brand-new package, and a new major version of an existing one.
mkdir -p protos/fineprint/demo/events/v1 protos/fineprint/identity/events/v2
cat >protos/fineprint/demo/events/v1/events.proto <<'PROTO'
syntax = "proto3";
package fineprint.demo.events.v1;
// A widget was made.
message WidgetMade {
  string widget = 1;
}
PROTO
sed -e 's/fineprint\.identity\.events\.v1/fineprint.identity.events.v2/' \
  -e 's/  string email = 3;/  int64 email = 3;/' \
  -e 's#/events/v1;identityeventsv1#/events/v2;identityeventsv2#' \
  -e 's/app\.fineprint\.identity\.events\.v1/app.fineprint.identity.events.v2/' \
  "$EVENTS" >protos/fineprint/identity/events/v2/events.proto
commit "new package and a v2"
check 0 "new package and a new major version with a retyped field"

# Wire-incompatible: a field's number, committed on main.
sed -i 's/  string email = 3;/  string email = 33;/' "$EVENTS"
commit "renumber"
check 1 "field renumbered in an event, committed on main"
expect_output 'email'
git reset -q --hard HEAD~1

# A field's type, uncommitted on main.
sed -i 's/  string email = 3;/  int32 email = 3;/' "$EVENTS"
check 1 "field retyped in an event, uncommitted on main"
expect_output 'changed type'
git checkout -q -- "$EVENTS"

# A deleted field, on a branch (compared with main).
git checkout -q -b feature
sed -i '/  string email = 3;/d' "$EVENTS"
commit "drop email"
check 1 "field deleted on a branch"
git checkout -q main
git branch -q -D feature

# Lint: a message name that is not PascalCase.
git checkout -q -b lint
printf 'message bad_name {\n  string x = 1;\n}\n' >>protos/fineprint/demo/events/v1/events.proto
commit "lint"
check 1 "lint violation"
expect_output 'PascalCase'

exit $((failures > 0))
