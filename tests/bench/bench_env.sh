# Sourced by the shell benchmarks: a work folder removed at exit with the
# processes started into `pids` and the PostgreSQL started into it, free
# ports, and the -c opt binaries users run.
#
#   source tests/bench/bench_env.sh
#   bench_work fp-edge-bench            # -> $WORK, cleanup on EXIT
#   bench_build //gateway:fineprint_edge ...   # -> $BIN (-c opt bazel-bin)
#   DSN="$(bench_postgres)"
#   some_server ... & pids+=($!)

pids=()

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

bench_cleanup() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  bash infra/postgres/stop-local.sh "$WORK/pg" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}

bench_work() {  # NAME
  WORK="$(mktemp -d "/var/tmp/$1.XXXXXX")"
  chmod 755 "$WORK"  # PostgreSQL runs as `postgres` inside it
  trap bench_cleanup EXIT
}

bench_build() {  # TARGET...
  bazel build -c opt "$@" >/dev/null 2>&1
  BIN="$(bazel info -c opt bazel-bin 2>/dev/null)"
}

bench_postgres() {  # prints the DSN
  bash infra/postgres/start-local.sh "$WORK/pg" "$(free_port)" 2>/dev/null | tail -n 1
}
