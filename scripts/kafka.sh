#!/usr/bin/env bash
# A single-node Apache Kafka (KRaft, broker+controller) on 127.0.0.1 for tests and local use,
# resolved from Maven Central with Maven, so no Docker is needed.
#
#   scripts/kafka.sh start | stop | status | fetch
#
# Environment:
#   KAFKA_PORT             broker port (default 9092); the controller uses KAFKA_PORT+1
#   KAFKA_STATE_DIR        config, data, log and pid of this broker (default .kafka/broker-$KAFKA_PORT)
#   KAFKA_LIB_DIR          cached jars, shared by every broker (default .kafka/lib)
#   KAFKA_HEAP             JVM heap (default 512m)
#   KAFKA_START_TIMEOUT    seconds to wait for the broker to answer (default 90)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
port="${KAFKA_PORT:-9092}"
controller_port="$((port + 1))"
lib="${KAFKA_LIB_DIR:-$root/.kafka/lib}"
state="${KAFKA_STATE_DIR:-$root/.kafka/broker-$port}"
pidfile="$state/broker.pid"
log="$state/broker.log"

say() { printf 'kafka.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

running_pid() {
  [[ -f "$pidfile" ]] || return 1
  local pid
  pid="$(cat "$pidfile")"
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

fetch() {
  [[ -f "$lib/.complete" ]] && return 0
  command -v java >/dev/null || die "Java is not installed. Install a JDK 17+, or point the tests at an existing Kafka with KAFKA_BROKERS=host:port, or run 'docker compose -f docker-compose.kafka.yml up -d'."
  command -v mvn >/dev/null || die "Maven is not installed (needed once, to fetch Kafka from Maven Central). Install maven, or set KAFKA_BROKERS=host:port for an existing Kafka, or use docker-compose.kafka.yml."
  say "fetching Apache Kafka from Maven Central into $lib (once)"
  mkdir -p "$lib"
  mvn -q -B -f "$root/scripts/kafka/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$lib" >&2 \
    || die "Maven could not fetch Kafka (see above). Set KAFKA_BROKERS=host:port to use an existing Kafka instead."
  touch "$lib/.complete"
}

write_config() {
  mkdir -p "$state/data"
  cat >"$state/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$state/data
num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
PROPS
  cat >"$state/log4j2.properties" <<PROPS
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = $log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = warn
rootLogger.appenderRef.file.ref = file
logger.kafka.name = kafka.server.KafkaRaftServer
logger.kafka.level = info
PROPS
}

java_args() {
  java_opts=("-Xmx${KAFKA_HEAP:-512m}" "-Xms${KAFKA_HEAP:-512m}" -XX:+UseG1GC -Djava.awt.headless=true
    "-Dlog4j2.configurationFile=$state/log4j2.properties" -cp "$lib/*")
}

start() {
  if pid="$(running_pid)"; then say "already running on 127.0.0.1:$port (pid $pid)"; return 0; fi
  fetch
  write_config
  java_args
  if [[ ! -f "$state/data/meta.properties" ]]; then
    local cluster_id
    cluster_id="$(java "${java_opts[@]}" kafka.tools.StorageTool random-uuid)"
    java "${java_opts[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$state/server.properties" >"$state/format.log" 2>&1 \
      || { cat "$state/format.log" >&2; die "formatting the KRaft storage failed"; }
  fi
  # Its own session, so the broker outlives this script and a Ctrl-C aimed at the caller.
  setsid java "${java_opts[@]}" kafka.Kafka "$state/server.properties" >>"$state/stdout.log" 2>&1 </dev/null &
  echo $! >"$pidfile"
  say "starting on 127.0.0.1:$port (pid $!), waiting for it to answer"
  if ! node "$root/scripts/kafka-ready.js" "127.0.0.1:$port" "${KAFKA_START_TIMEOUT:-90}"; then
    tail -n 40 "$state/stdout.log" "$log" 2>/dev/null >&2 || true
    stop
    die "the broker did not answer on 127.0.0.1:$port"
  fi
  say "ready on 127.0.0.1:$port"
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then rm -f "$pidfile"; say "not running"; return 0; fi
  kill -TERM "$pid"
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; say "stopped"; return 0; }
    sleep 0.1
  done
  say "did not stop within 30 s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pidfile"
}

status() {
  if pid="$(running_pid)"; then echo "running on 127.0.0.1:$port (pid $pid)"; else echo "stopped"; return 3; fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  fetch) fetch ;;
  *) echo "usage: $0 start|stop|status|fetch" >&2; exit 2 ;;
esac
