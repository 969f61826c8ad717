#!/usr/bin/env bash
# Run a Kafka tool class from the installed jars (like the tarball's
# kafka-run-class.sh), with log4j quiet (WARN+ to stderr).
#
#   infra/kafka/run-class.sh <main-class> [args...]
#
# e.g.
#   run-class.sh org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:9092 \
#       --create --topic t --partitions 3 --replication-factor 1
#   run-class.sh org.apache.kafka.tools.ProducerPerformance --topic t --num-records 100000 \
#       --record-size 100 --throughput -1 --producer-props bootstrap.servers=127.0.0.1:9092
#   run-class.sh org.apache.kafka.tools.consumer.group.ConsumerGroupCommand \
#       --bootstrap-server 127.0.0.1:9092 --describe --group g
#
# Env: KAFKA_VERSION, KAFKA_LIBS, JAVA, JAVA_HOME as for start.sh;
#      KAFKA_TOOL_HEAP_OPTS (default -Xmx256m).
set -euo pipefail

[[ $# -ge 1 ]] || { echo "usage: $0 <main-class> [args...]" >&2; exit 2; }

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ -n "${KAFKA_LIBS:-}" ]]; then
  libs="${KAFKA_LIBS}"
else
  libs="$("${here}/install.sh" | tail -n 1)"
fi
if [[ -n "${JAVA:-}" ]]; then
  java_bin="${JAVA}"
elif [[ -n "${JAVA_HOME:-}" ]]; then
  java_bin="${JAVA_HOME}/bin/java"
else
  java_bin="java"
fi

# Without a log4j config reload4j prints "log4j:WARN No appenders could be found".
log4j_props="$(dirname "${libs}")/tools-log4j.properties"
if [[ ! -f "${log4j_props}" ]]; then
  tmp="$(mktemp "${log4j_props}.XXXXXX")"
  cat > "${tmp}" <<'LOG4J'
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
LOG4J
  mv "${tmp}" "${log4j_props}"
fi

read -r -a heap <<< "${KAFKA_TOOL_HEAP_OPTS:--Xmx256m}"
exec "${java_bin}" "${heap[@]}" -Djava.awt.headless=true \
  -Dlog4j.configuration="file:${log4j_props}" \
  -cp "${libs}/*" "$@"
