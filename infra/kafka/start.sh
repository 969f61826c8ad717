#!/usr/bin/env bash
# Start a single-node Apache Kafka broker (KRaft, combined broker+controller)
# in the background and wait until it is ready.
#
#   infra/kafka/start.sh <data_dir> [port]
#
# - port omitted or 0: reuse the port of the previous run in <data_dir> if it
#   is still free, else pick a free one.
# - <data_dir> keeps server.properties, log4j.properties, cluster.id,
#   kafka.pid, kafka.log (broker log), kafka.out (JVM stdout/stderr) and
#   logs/ (the partition + metadata logs). Starting again on the same
#   <data_dir> after stop.sh (or a kill) keeps all topics and data.
# - The LAST line of stdout is the bootstrap address, 127.0.0.1:<port>.
#
# Env:
#   KAFKA_VERSION          Kafka version (default 3.9.2; see install.sh)
#   KAFKA_LIBS             dir of jars (default: what install.sh installs;
#                          install.sh is run if they are missing)
#   KAFKA_HEAP_OPTS        default "-Xmx512m"
#   KAFKA_JVM_OPTS         extra JVM flags (appended)
#   KAFKA_EXTRA_PROPERTIES extra server.properties lines (appended, win over defaults)
#   KAFKA_START_TIMEOUT    seconds to wait for readiness (default 60)
#   KAFKA_SSL_PORT         set (0: a free port, reused across restarts like
#                          the main one): also an SSL listener on
#                          127.0.0.1:<port>, written to <data_dir>/ssl.port;
#                          its ssl.keystore.* / ssl.truststore.* /
#                          ssl.client.auth come in KAFKA_EXTRA_PROPERTIES
#   JAVA                   java binary (default: $JAVA_HOME/bin/java or java)
#
# Several nodes form one cluster (tests/testing KafkaCluster) when each is
# started with the same KAFKA_CLUSTER_ID and KAFKA_QUORUM_VOTERS, its own
# KAFKA_NODE_ID and KAFKA_CONTROLLER_PORT (its entry in the voters), and the
# replication settings in KAFKA_EXTRA_PROPERTIES. Start them concurrently: a
# node is ready only once a quorum of controllers is up.
#   KAFKA_NODE_ID          node.id (default 1)
#   KAFKA_CONTROLLER_PORT  controller listener port (default: a free one,
#                          reused across restarts)
#   KAFKA_QUORUM_VOTERS    controller.quorum.voters (default: this node alone)
#   KAFKA_CLUSTER_ID       cluster id for the first format (default: random)
set -euo pipefail

usage() { echo "usage: $0 <data_dir> [port]" >&2; exit 2; }
[[ $# -ge 1 && $# -le 2 ]] || usage

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
data_dir_arg="$1"
port="${2:-0}"
[[ "${port}" =~ ^[0-9]+$ ]] || { echo "start.sh: port must be a number" >&2; exit 2; }

KAFKA_VERSION="${KAFKA_VERSION:-3.9.2}"
export KAFKA_VERSION
timeout_s="${KAFKA_START_TIMEOUT:-60}"
heap_opts="${KAFKA_HEAP_OPTS:--Xmx512m}"
if [[ -n "${JAVA:-}" ]]; then
  java_bin="${JAVA}"
elif [[ -n "${JAVA_HOME:-}" ]]; then
  java_bin="${JAVA_HOME}/bin/java"
else
  java_bin="java"
fi

for tool in python3 kcat "${java_bin}"; do
  command -v "${tool}" >/dev/null 2>&1 || { echo "start.sh: ${tool} not found" >&2; exit 1; }
done

# Jars.
if [[ -n "${KAFKA_LIBS:-}" ]]; then
  libs="${KAFKA_LIBS}"
else
  libs="$("${here}/install.sh" | tail -n 1)"
fi
[[ -d "${libs}" ]] || { echo "start.sh: no kafka libs dir at ${libs}" >&2; exit 1; }

mkdir -p "${data_dir_arg}"
data_dir="$(cd "${data_dir_arg}" && pwd)"
pid_file="${data_dir}/kafka.pid"
log_file="${data_dir}/kafka.log"
out_file="${data_dir}/kafka.out"
props="${data_dir}/server.properties"
log4j_props="${data_dir}/log4j.properties"
cluster_id_file="${data_dir}/cluster.id"
port_file="${data_dir}/port"
controller_port_file="${data_dir}/controller.port"
log_dirs="${data_dir}/logs"

# broker_alive PID: a live (not zombie) process running kafka.Kafka.
broker_alive() {
  local state
  kill -0 "$1" 2>/dev/null || return 1
  state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || true)"
  [[ -n "${state}" && "${state}" != "Z" ]] || return 1
  tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka'
}

if [[ -s "${pid_file}" ]]; then
  old_pid="$(cat "${pid_file}")"
  # A broker just killed with SIGKILL takes a moment to go away (and to drop
  # its log-dir lock): give it a few seconds before calling it running.
  for _ in $(seq 50); do
    broker_alive "${old_pid}" || break
    sleep 0.1
  done
  if broker_alive "${old_pid}"; then
    echo "start.sh: a broker is already running for ${data_dir} (pid ${old_pid}); run stop.sh first" >&2
    exit 1
  fi
fi
rm -f "${pid_file}"

# port_free PORT -> 0 if 127.0.0.1:PORT can be bound now.
port_free() {
  python3 - "$1" <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
PY
}

# free_port [EXCLUDE] -> a port the kernel hands out for port 0.
free_port() {
  python3 - "${1:-0}" <<'PY'
import socket, sys
exclude = int(sys.argv[1])
while True:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    if p != exclude:
        print(p)
        break
PY
}

# pick_port REQUESTED PREVIOUS_FILE EXCLUDE
pick_port() {
  local requested="$1" prev_file="$2" exclude="$3" prev
  if [[ "${requested}" != "0" ]]; then
    echo "${requested}"
    return
  fi
  if [[ -f "${prev_file}" ]]; then
    prev="$(cat "${prev_file}")"
    if [[ "${prev}" =~ ^[0-9]+$ && "${prev}" != "${exclude}" ]] && port_free "${prev}"; then
      echo "${prev}"
      return
    fi
  fi
  free_port "${exclude}"
}

port="$(pick_port "${port}" "${port_file}" 0)"
controller_port="$(pick_port "${KAFKA_CONTROLLER_PORT:-0}" "${controller_port_file}" "${port}")"
node_id="${KAFKA_NODE_ID:-1}"
[[ "${node_id}" =~ ^[0-9]+$ ]] || { echo "start.sh: KAFKA_NODE_ID must be a number" >&2; exit 2; }
quorum_voters="${KAFKA_QUORUM_VOTERS:-${node_id}@127.0.0.1:${controller_port}}"
echo "${port}" > "${port_file}"
echo "${controller_port}" > "${controller_port_file}"
listeners="PLAINTEXT://127.0.0.1:${port}"
protocol_map="PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
if [[ -n "${KAFKA_SSL_PORT:-}" ]]; then
  [[ "${KAFKA_SSL_PORT}" =~ ^[0-9]+$ ]] || { echo "start.sh: KAFKA_SSL_PORT must be a number" >&2; exit 2; }
  ssl_port="$(pick_port "${KAFKA_SSL_PORT}" "${data_dir}/ssl.port" "${port}")"
  if [[ "${ssl_port}" == "${controller_port}" ]]; then ssl_port="$(free_port "${port}")"; fi
  echo "${ssl_port}" > "${data_dir}/ssl.port"
  listeners+=",SSL://127.0.0.1:${ssl_port}"
  protocol_map+=",SSL:SSL"
fi

# Cluster id: Kafka's Uuid is 16 random bytes, base64url without padding; an
# id starting with '-' is avoided as the CLI would read it as a flag.
if [[ ! -s "${cluster_id_file}" && -n "${KAFKA_CLUSTER_ID:-}" ]]; then
  echo "${KAFKA_CLUSTER_ID}" > "${cluster_id_file}"
elif [[ ! -s "${cluster_id_file}" ]]; then
  python3 - > "${cluster_id_file}" <<'PY'
import base64, uuid
while True:
    cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    if not cid.startswith("-"):
        print(cid)
        break
PY
fi
cluster_id="$(cat "${cluster_id_file}")"

cat > "${props}" <<PROPS
# Generated by infra/kafka/start.sh; rewritten on every start.
process.roles=broker,controller
node.id=${node_id}
controller.quorum.voters=${quorum_voters}
listeners=${listeners},CONTROLLER://127.0.0.1:${controller_port}
advertised.listeners=${listeners}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=${protocol_map}
log.dirs=${log_dirs}
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
delete.topic.enable=true
# After a SIGKILL the restarted broker cannot re-register until the old
# session expires (DUPLICATE_BROKER_REGISTRATION); the 9 s default made such
# restarts take ~12 s.
broker.session.timeout.ms=3000
broker.heartbeat.interval.ms=500
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
PROPS
if [[ -n "${KAFKA_EXTRA_PROPERTIES:-}" ]]; then
  printf '%s\n' "# KAFKA_EXTRA_PROPERTIES" "${KAFKA_EXTRA_PROPERTIES}" >> "${props}"
fi

cat > "${log4j_props}" <<LOG4J
# Generated by infra/kafka/start.sh: everything to kafka.log, nothing to the console.
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=${log_file}
log4j.appender.file.Append=true
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.network.RequestChannel\$=WARN
log4j.logger.org.apache.kafka.clients.NetworkClient=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.authorizer.logger=WARN
LOG4J

# Shared JVM flags (also used for the one-off StorageTool run).
common_jvm=(
  -Dlog4j.configuration="file:${log4j_props}"
  -Dkafka.logs.dir="${data_dir}"
  -Djava.awt.headless=true
)
# Same GC settings as Kafka's kafka-run-class.sh.
read -r -a heap <<< "${heap_opts}"
read -r -a extra_jvm <<< "${KAFKA_JVM_OPTS:-}"
broker_jvm=(
  "${heap[@]}"
  -server
  -XX:+UseG1GC
  -XX:MaxGCPauseMillis=20
  -XX:InitiatingHeapOccupancyPercent=35
  -XX:+ExplicitGCInvokesConcurrent
  "${common_jvm[@]}"
  "${extra_jvm[@]}"
)

# Format storage once; a restart on the same data_dir reuses it.
if [[ ! -f "${log_dirs}/meta.properties" ]]; then
  mkdir -p "${log_dirs}"
  if ! "${java_bin}" -Xmx256m "${common_jvm[@]}" -cp "${libs}/*" kafka.tools.StorageTool \
      format --ignore-formatted -t "${cluster_id}" -c "${props}" >> "${out_file}" 2>&1; then
    echo "start.sh: storage format failed; tail of ${out_file}:" >&2
    tail -n 40 "${out_file}" >&2
    exit 1
  fi
fi

start_ns="$(date +%s%N)"
log_offset=0
[[ -f "${log_file}" ]] && log_offset="$(wc -c < "${log_file}")"

# Detach: own session, stdin from /dev/null, output to files, so callers using
# $(start.sh ...) are not held by an inherited pipe. The wrapper writes the pid
# of the JVM itself (exec keeps the pid).
# shellcheck disable=SC2016  # $$ and $@ are for the inner shell
launch=(bash -c 'echo $$ > "$0"; exec "$@"' "${pid_file}"
  "${java_bin}" "${broker_jvm[@]}" -cp "${libs}/*" kafka.Kafka "${props}")
if command -v setsid >/dev/null 2>&1; then
  setsid "${launch[@]}" < /dev/null >> "${out_file}" 2>&1 &
else
  nohup "${launch[@]}" < /dev/null >> "${out_file}" 2>&1 &
fi

fail() {
  echo "start.sh: $1" >&2
  if [[ -f "${log_file}" ]]; then
    echo "--- ERROR/FATAL lines of this run in ${log_file} ---" >&2
    tail -c +"$((log_offset + 1))" "${log_file}" | grep -A 2 -E '^\[[^]]*\] (ERROR|FATAL) ' | head -n 30 >&2 || true
  fi
  echo "--- tail of ${log_file} ---" >&2
  tail -n 60 "${log_file}" >&2 2>/dev/null || true
  echo "--- tail of ${out_file} ---" >&2
  tail -n 20 "${out_file}" >&2 2>/dev/null || true
  if [[ -s "${pid_file}" ]]; then
    kill -KILL "$(cat "${pid_file}")" 2>/dev/null || true
    rm -f "${pid_file}"
  fi
  exit 1
}

# Ready = the server logged "Kafka Server started" in this run and the
# PLAINTEXT listener answers a metadata request.
deadline=$((SECONDS + timeout_s))
while :; do
  if [[ -s "${pid_file}" ]]; then
    pid="$(cat "${pid_file}")"
    kill -0 "${pid}" 2>/dev/null || fail "broker process ${pid} exited during startup"
    if [[ -f "${log_file}" ]] \
        && tail -c +"$((log_offset + 1))" "${log_file}" | grep -q 'Kafka Server started' \
        && kcat -b "127.0.0.1:${port}" -L -m 2 -q >/dev/null 2>&1; then
      break
    fi
  fi
  ((SECONDS < deadline)) || fail "broker not ready after ${timeout_s}s"
  sleep 0.2
done
ready_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))

echo "kafka ${KAFKA_VERSION} ready in ${ready_ms} ms (pid $(cat "${pid_file}"), data ${data_dir})" >&2
echo "127.0.0.1:${port}"
