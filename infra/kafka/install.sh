#!/usr/bin/env bash
# Install an Apache Kafka broker (plus the admin/perf tools) from Maven Central
# jars into a local cache, so tests and benchmarks can run a real KRaft broker
# without the Kafka binary tarball.
#
#   infra/kafka/install.sh            # prints the libs dir as its last line
#
# Env:
#   KAFKA_VERSION    Kafka version to install (default 3.9.2)
#   FINEPRINT_CACHE  cache root (default $HOME/.cache/fineprint)
#   MVN              maven command (default mvn)
#   MAVEN_REPO_LOCAL maven local repo (default $HOME/.m2/repository)
#
# Idempotent: once <cache>/kafka/<version>/libs/.complete exists it exits at once.
set -euo pipefail

KAFKA_VERSION="${KAFKA_VERSION:-3.9.2}"
SCALA_BINARY="2.13"
# Logging binding matching Kafka 3.9's slf4j 1.7.x (the Kafka tarball ships the same).
SLF4J_VERSION="${SLF4J_VERSION:-1.7.36}"
RELOAD4J_VERSION="${RELOAD4J_VERSION:-1.2.25}"
DEP_PLUGIN_VERSION="3.6.1"
MVN="${MVN:-mvn}"

cache_root="${FINEPRINT_CACHE:-${HOME}/.cache/fineprint}"
kafka_home="${cache_root}/kafka/${KAFKA_VERSION}"
libs="${kafka_home}/libs"
marker="${libs}/.complete"
main_jar="${libs}/kafka_${SCALA_BINARY}-${KAFKA_VERSION}.jar"

if [[ -f "${marker}" && -f "${main_jar}" ]]; then
  echo "kafka ${KAFKA_VERSION} already installed" >&2
  echo "${libs}"
  exit 0
fi

if ! command -v java >/dev/null 2>&1; then
  echo "install.sh: java not found on PATH (need Java 11+; 17 tested)" >&2
  exit 1
fi
if ! command -v "${MVN}" >/dev/null 2>&1; then
  echo "install.sh: maven ('${MVN}') not found on PATH" >&2
  exit 1
fi

mkdir -p "${kafka_home}"
# Serialize concurrent installs (parallel test jobs); re-check once locked.
if command -v flock >/dev/null 2>&1; then
  exec 9> "${kafka_home}/.install.lock"
  flock 9
  if [[ -f "${marker}" && -f "${main_jar}" ]]; then
    echo "kafka ${KAFKA_VERSION} already installed" >&2
    echo "${libs}"
    exit 0
  fi
fi
work="$(mktemp -d "${kafka_home}/.install.XXXXXX")"
cleanup() { rm -rf "${work}"; }
trap cleanup EXIT

# Throwaway pom: the broker (kafka_2.13), the tools jar (TopicCommand,
# ProducerPerformance, ...) without Kafka Connect, and the slf4j->reload4j
# binding that the broker's own pom leaves to the distribution.
cat > "${work}/pom.xml" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 http://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>fineprint.infra</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>0</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_${SCALA_BINARY}</artifactId>
      <version>${KAFKA_VERSION}</version>
    </dependency>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka-tools</artifactId>
      <version>${KAFKA_VERSION}</version>
      <exclusions>
        <exclusion><groupId>org.apache.kafka</groupId><artifactId>connect-runtime</artifactId></exclusion>
        <exclusion><groupId>com.fasterxml.jackson.jaxrs</groupId><artifactId>jackson-jaxrs-json-provider</artifactId></exclusion>
      </exclusions>
    </dependency>
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-reload4j</artifactId>
      <version>${SLF4J_VERSION}</version>
    </dependency>
    <dependency>
      <groupId>ch.qos.reload4j</groupId>
      <artifactId>reload4j</artifactId>
      <version>${RELOAD4J_VERSION}</version>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-dependency-plugin</artifactId>
        <version>${DEP_PLUGIN_VERSION}</version>
      </plugin>
    </plugins>
  </build>
</project>
POM

echo "installing kafka ${KAFKA_VERSION} jars from Maven Central into ${libs} ..." >&2
# Maven's output goes to a log, shown only on failure (maven 3.8 still writes
# stray ANSI resets with -B -q).
if ! "${MVN}" -B -q -f "${work}/pom.xml" \
    -Dmaven.repo.local="${MAVEN_REPO_LOCAL:-${HOME}/.m2/repository}" \
    dependency:copy-dependencies \
    -DincludeScope=runtime \
    -DoutputDirectory="${work}/libs" > "${work}/mvn.log" 2>&1; then
  echo "install.sh: maven failed resolving kafka ${KAFKA_VERSION}:" >&2
  tail -n 50 "${work}/mvn.log" >&2
  exit 1
fi

if [[ ! -f "${work}/libs/kafka_${SCALA_BINARY}-${KAFKA_VERSION}.jar" ]]; then
  echo "install.sh: maven did not produce kafka_${SCALA_BINARY}-${KAFKA_VERSION}.jar" >&2
  exit 1
fi

# Record what was installed, then swap the finished dir into place.
(cd "${work}/libs" && find . -maxdepth 1 -name '*.jar' -printf '%f\n' | LC_ALL=C sort > .complete)
rm -rf "${libs}"
mv "${work}/libs" "${libs}"

echo "installed kafka ${KAFKA_VERSION}: $(wc -l < "${marker}") jars" >&2
echo "${libs}"
