#!/usr/bin/env bash
# Stop the broker started by start.sh for <data_dir>: SIGTERM (clean shutdown),
# wait up to KAFKA_STOP_TIMEOUT seconds (default 30), then SIGKILL.
#
#   infra/kafka/stop.sh <data_dir>
#
# Exits 0 when no broker is running for <data_dir>.
set -euo pipefail

[[ $# -eq 1 ]] || { echo "usage: $0 <data_dir>" >&2; exit 2; }
data_dir="$1"
pid_file="${data_dir}/kafka.pid"
timeout_s="${KAFKA_STOP_TIMEOUT:-30}"

if [[ ! -s "${pid_file}" ]]; then
  echo "stop.sh: no pid file in ${data_dir}; nothing to stop" >&2
  exit 0
fi
pid="$(cat "${pid_file}")"
[[ "${pid}" =~ ^[0-9]+$ ]] || { echo "stop.sh: bad pid file ${pid_file}" >&2; exit 1; }

# Guard against a recycled pid: only signal a process running kafka.Kafka.
is_broker() {
  [[ -r "/proc/$1/cmdline" ]] && tr '\0' ' ' < "/proc/$1/cmdline" | grep -q 'kafka\.Kafka'
}

# alive PID: exists and is not a zombie (a zombie answers kill -0 until reaped).
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  local state
  state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || true)"
  [[ "${state}" != "Z" ]]
}

if ! alive "${pid}" || ! is_broker "${pid}"; then
  echo "stop.sh: broker pid ${pid} not running" >&2
  rm -f "${pid_file}"
  exit 0
fi

kill -TERM "${pid}" 2>/dev/null || true
deadline=$((SECONDS + timeout_s))
while alive "${pid}" && ((SECONDS < deadline)); do
  sleep 0.2
done
if alive "${pid}"; then
  echo "stop.sh: broker pid ${pid} still running after ${timeout_s}s; sending SIGKILL" >&2
  kill -KILL "${pid}" 2>/dev/null || true
  while alive "${pid}"; do sleep 0.1; done
fi
rm -f "${pid_file}"
echo "stop.sh: broker pid ${pid} stopped" >&2
