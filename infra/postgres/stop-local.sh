#!/usr/bin/env bash
# Stop the server started by start-local.sh for <data_dir> (fast shutdown:
# open sessions are rolled back), waiting up to PG_STOP_TIMEOUT seconds
# (default 60).
#
#   infra/postgres/stop-local.sh <data_dir>
#
# Exits 0 when no server is running for <data_dir>.
set -euo pipefail

[[ $# -eq 1 ]] || { echo "usage: $0 <data_dir>" >&2; exit 2; }
pg_bin="${PG_BIN:-/usr/lib/postgresql/15/bin}"
timeout_s="${PG_STOP_TIMEOUT:-60}"

if [[ ! -d "$1" ]]; then
  echo "stop-local.sh: no directory $1; nothing to stop" >&2
  exit 0
fi
pgdata="$(cd "$1" && pwd)/pgdata"

if [[ "$(id -u)" == 0 ]]; then
  as_pg() { runuser -u postgres -- "$@"; }
else
  as_pg() { "$@"; }
fi

if [[ ! -f "${pgdata}/postmaster.pid" ]] || ! as_pg "${pg_bin}/pg_ctl" -D "${pgdata}" status >/dev/null 2>&1; then
  echo "stop-local.sh: no server running for ${pgdata}" >&2
  exit 0
fi
as_pg "${pg_bin}/pg_ctl" -D "${pgdata}" -m fast -w -t "${timeout_s}" stop >/dev/null
echo "stop-local.sh: stopped the server for ${pgdata}" >&2
