#!/usr/bin/env bash
# Runs Fineprint's benchmarks (docs/benchmarks.md), one after the other, each
# printing its figures and its ratio to a baseline measured in the same run.
# `./fineprint bench` calls this after installing what is missing.
#
#   infra/bench/run.sh                 # every benchmark
#   infra/bench/run.sh edge claim      # only these (names below)
#   infra/bench/run.sh --list          # the names
#
# Names: identity event_bus analyzer claim edge edge_tls edge_peer monitoring ratelimit action notification. Builds are -c opt.
# BENCH_SECONDS (default 10) sets the measuring time of the timed ones.
set -euo pipefail
cd "$(dirname "$0")/../.."
SECS="${BENCH_SECONDS:-10}"
ALL=(identity event_bus analyzer claim edge edge_tls edge_peer monitoring ratelimit action notification)

run_one() {
  case "$1" in
    identity)  bazel run -c opt //tests/bench:identity_bench -- --seconds="$SECS" --clients=4 ;;
    event_bus) bazel run -c opt //tests/bench:event_bus_bench -- --seconds="$SECS" ;;
    analyzer)  bazel run -c opt //services/analysis/analyzer:analyzer_bench ;;
    claim)     bazel run -c opt //services/runtime/jobs:claim_bench ;;
    edge)      bash tests/bench/edge_bench.sh "$SECS" ;;
    edge_tls)  bash tests/bench/edge_tls_bench.sh "$SECS" ;;
    edge_peer) bash infra/bench/grpc_gateway/peer_bench.sh "$SECS" ;;
    monitoring) bazel run -c opt //services/monitoring/bench:check_bench ;;
    ratelimit) bazel run -c opt //gateway/ratelimit:limiter_bench -- --seconds="$SECS" ;;
    action)    bazel run -c opt //services/action/bench:letters_bench -- --seconds="$SECS" ;;
    notification) bazel run -c opt //services/notification/bench:notification_bench ;;
    *) echo "unknown benchmark: $1 (one of: ${ALL[*]})" >&2; return 2 ;;
  esac
}

if [[ "${1:-}" == --list ]]; then printf '%s\n' "${ALL[@]}"; exit 0; fi
names=("$@")
((${#names[@]})) || names=("${ALL[@]}")
for n in "${names[@]}"; do
  case " ${ALL[*]} " in *" $n "*) ;; *) echo "unknown benchmark: $n (one of: ${ALL[*]})" >&2; exit 2 ;; esac
done
failed=()
for n in "${names[@]}"; do
  printf '\n=== %s ===\n' "$n"
  run_one "$n" || failed+=("$n")
done
if ((${#failed[@]})); then
  echo "benchmarks failed: ${failed[*]}" >&2
  exit 1
fi
