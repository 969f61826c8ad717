#!/usr/bin/env bash
# End-to-end check of install.sh / start.sh / stop.sh / run-class.sh:
# install, start on a fresh dir, create a topic, produce + consume with kcat,
# clean stop + restart (data kept), SIGKILL + restart (data kept), stop.
# Prints timings and broker RSS. Leaves nothing running.
#
#   infra/kafka/smoke.sh [work_dir]     (default: a temp dir, removed at the end)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ $# -ge 1 ]]; then
  data_dir="$1"
  keep=1
else
  data_dir="$(mktemp -d "${TMPDIR:-/tmp}/fineprint-kafka-smoke.XXXXXX")"
  keep=0
fi
cleanup() {
  "${here}/stop.sh" "${data_dir}" 2>/dev/null || true
  if [[ "${keep}" == 0 ]]; then rm -rf "${data_dir}"; fi
}
trap cleanup EXIT

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
die() { echo "smoke: FAIL: $*" >&2; exit 1; }

t=$(now_ms)
"${here}/install.sh" > /dev/null
echo "install: $(( $(now_ms) - t )) ms"

t=$(now_ms)
bootstrap="$("${here}/start.sh" "${data_dir}" | tail -n 1)"
echo "first start (format + boot): $(( $(now_ms) - t )) ms -> ${bootstrap}"

"${here}/run-class.sh" org.apache.kafka.tools.TopicCommand --bootstrap-server "${bootstrap}" \
  --create --topic smoke --partitions 3 --replication-factor 1 > /dev/null

expected="$(printf 'k%d=v%d\n' 1 1 2 2 3 3 4 4 5 5)"
for i in 1 2 3 4 5; do echo "k${i}:v${i}"; done | kcat -b "${bootstrap}" -t smoke -P -K:
consume() { kcat -b "${bootstrap}" -t smoke -C -e -q -f '%k=%s\n' | LC_ALL=C sort; }
[[ "$(consume)" == "${expected}" ]] || die "consumed messages differ after first start"
echo "produce/consume: ok"

pid="$(cat "${data_dir}/kafka.pid")"
echo "broker RSS: $(awk '/VmRSS/ {print $2, $3}' "/proc/${pid}/status")"

t=$(now_ms)
"${here}/stop.sh" "${data_dir}" 2> /dev/null
echo "clean stop: $(( $(now_ms) - t )) ms"

t=$(now_ms)
bootstrap="$("${here}/start.sh" "${data_dir}" | tail -n 1)"
echo "restart after clean stop: $(( $(now_ms) - t )) ms -> ${bootstrap}"
[[ "$(consume)" == "${expected}" ]] || die "data lost across clean restart"
echo "data kept across clean restart: ok"

kill -KILL "$(cat "${data_dir}/kafka.pid")"
t=$(now_ms)
bootstrap="$("${here}/start.sh" "${data_dir}" | tail -n 1)"
echo "restart after SIGKILL: $(( $(now_ms) - t )) ms -> ${bootstrap}"
[[ "$(consume)" == "${expected}" ]] || die "data lost across SIGKILL restart"
echo "data kept across SIGKILL restart: ok"

"${here}/stop.sh" "${data_dir}" 2> /dev/null
echo "kafka smoke OK"
