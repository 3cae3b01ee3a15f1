#!/usr/bin/env bash
# deploy/dev/kafka.sh start|stop|status [STATE_DIR]
#
# A single-node Apache Kafka (KRaft: combined broker + controller, no ZooKeeper, no
# Docker) on 127.0.0.1, built only from Maven Central jars, for development and for
# the Kafka tests.  `start` prints the bootstrap address (127.0.0.1:PORT) on stdout
# once the broker answers metadata requests; everything else goes to stderr.  `stop`
# stops the broker by its recorded pid (SIGTERM, then SIGKILL after 30 s) and removes
# the state dir.  `start` also stops what it started when it fails.
#
# Jars are resolved once by Maven into KAFKA_CACHE_DIR (default
# ~/.cache/wirewatch-kafka/<version>/libs); later starts need no network.
#
# Env: KAFKA_VERSION (3.9.1), KAFKA_CACHE_DIR, KAFKA_M2_REPO, KAFKA_START_TIMEOUT (120),
#      KAFKA_HEAP (-Xms256m -Xmx512m), KAFKA_JVM_EXTRA, KAFKA_PORT,
#      KAFKA_CONTROLLER_PORT, KAFKA_PARTITIONS (default partitions of auto-created
#      topics, 4), KAFKA_KEEP_STATE=1 (stop keeps the state dir).
# Default STATE_DIR: deploy/dev/.kafka-state (gitignored).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CMD="${1:-}"
STATE_DIR="${2:-${KAFKA_STATE_DIR:-$HERE/.kafka-state}}"
KAFKA_VERSION="${KAFKA_VERSION:-3.9.1}"
CACHE_DIR="${KAFKA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/wirewatch-kafka}/$KAFKA_VERSION"
LIBS="$CACHE_DIR/libs"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-120}"
HEAP="${KAFKA_HEAP:--Xms256m -Xmx512m}"
# Any 22-char base64url UUID not starting with '-' (the one of Kafka's docker examples).
CLUSTER_ID="4L6g3nShT-eMCtK--X86sw"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
DEP_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.6.1"

log() { echo "[kafka.sh] $*" >&2; }
usage() { echo "usage: $0 start|stop|status [STATE_DIR]" >&2; exit 2; }

case "$KAFKA_VERSION" in
3.*) MAJOR=3 ;;
4.*) MAJOR=4 ;;
*) log "unsupported KAFKA_VERSION=$KAFKA_VERSION (use 3.9.x or 4.x)"; exit 2 ;;
esac

fetch_jars() {
    [ -f "$LIBS/.complete" ] && return 0
    mkdir -p "$CACHE_DIR"
    local logdeps
    if [ "$MAJOR" = 3 ]; then
        # 3.9's logging backend is compileOnly in Kafka's build, so not in its POM.
        logdeps='<dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>1.7.36</version></dependency>
    <dependency><groupId>ch.qos.reload4j</groupId><artifactId>reload4j</artifactId><version>1.2.25</version></dependency>'
    else
        local l4j="${KAFKA_LOG4J2_VERSION:-2.24.3}"
        logdeps="<dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>$l4j</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>$l4j</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-api</artifactId><version>$l4j</version></dependency>"
    fi
    cat >"$CACHE_DIR/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.wirewatch</groupId>
  <artifactId>kafka-broker-libs</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>$KAFKA_VERSION</version>
      <exclusions>
        <exclusion><groupId>ch.qos.logback</groupId><artifactId>logback-classic</artifactId></exclusion>
        <exclusion><groupId>ch.qos.logback</groupId><artifactId>logback-core</artifactId></exclusion>
      </exclusions>
    </dependency>
    $logdeps
  </dependencies>
</project>
POM
    local repo_opt=()
    if [ -n "${KAFKA_M2_REPO:-}" ]; then repo_opt=("-Dmaven.repo.local=$KAFKA_M2_REPO"); fi
    rm -rf "$LIBS"
    log "resolving org.apache.kafka:kafka_2.13:$KAFKA_VERSION from Maven Central into $LIBS"
    if ! mvn -B -q "${repo_opt[@]}" -f "$CACHE_DIR/pom.xml" \
        "$DEP_PLUGIN:copy-dependencies" -DincludeScope=runtime \
        -DoutputDirectory="$LIBS" >&2; then
        log "maven failed to resolve the broker jars"
        exit 1
    fi
    [ -f "$LIBS/kafka_2.13-$KAFKA_VERSION.jar" ] ||
        { log "kafka_2.13-$KAFKA_VERSION.jar missing after mvn"; exit 1; }
    touch "$LIBS/.complete"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pick_port() { # [EXCLUDE]; below the Linux ephemeral range (32768+)
    local p _
    for _ in $(seq 1 100); do
        p=$((20000 + RANDOM % 12000))
        [ "$p" = "${1:-}" ] && continue
        port_in_use "$p" || { echo "$p"; return 0; }
    done
    return 1
}

# A pid that is a zombie (killed, not yet reaped: its parent is whoever adopted it) is
# not a broker.
pid_alive() {
    kill -0 "$1" 2>/dev/null || return 1
    local state
    state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 0
    [ "$state" != Z ]
}
alive() { [ -f "$STATE_DIR/kafka.pid" ] && pid_alive "$(cat "$STATE_DIR/kafka.pid")"; }
# A broker killed a moment ago (kill -9) is still tearing its JVM down for a while:
# give it up to 15 s to be gone before calling it "running".
wait_gone() {
    local _
    for _ in $(seq 1 150); do alive || return 0; sleep 0.1; done
    return 1
}

# Broker answers a metadata request.  "Kafka Server started" is logged only after the
# broker is unfenced and serving, so both together are a sound readiness signal; a
# bare TCP connect is not.
ready() {
    local bootstrap="$1" md
    grep -q "Kafka Server started" "$STATE_DIR/kafka.out" 2>/dev/null || return 1
    command -v kcat >/dev/null 2>&1 || return 0
    md="$(kcat -L -b "$bootstrap" -m 5 2>/dev/null)" || return 1
    [[ "$md" == *" 1 brokers:"* ]]
}

write_configs() {
    local bport="$1" cport="$2"
    cat >"$STATE_DIR/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$bport,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$bport
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$STATE_DIR/data
auto.create.topics.enable=true
num.partitions=${KAFKA_PARTITIONS:-4}
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=2
log.cleaner.dedupe.buffer.size=16777216
message.max.bytes=10485760
PROPS
    if [ "$MAJOR" = 4 ]; then
        printf '%s\n' share.coordinator.state.topic.replication.factor=1 \
            share.coordinator.state.topic.min.isr=1 >>"$STATE_DIR/server.properties"
        cat >"$STATE_DIR/log4j2.properties" <<'L4J'
status = WARN
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.request.name = kafka.request.logger
logger.request.level = WARN
L4J
    else
        cat >"$STATE_DIR/log4j.properties" <<'L4J'
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.org.apache.zookeeper=WARN
L4J
    fi
}

jvm_common() {
    local logopt
    if [ "$MAJOR" = 4 ]; then
        logopt="-Dlog4j2.configurationFile=$STATE_DIR/log4j2.properties"
    else
        logopt="-Dlog4j.configuration=file:$STATE_DIR/log4j.properties"
    fi
    printf '%s\n' -Djava.awt.headless=true "-Djava.io.tmpdir=$STATE_DIR/tmp" \
        "-Dkafka.logs.dir=$STATE_DIR/logs" "$logopt"
}

do_start() {
    if alive; then
        if [ -f "$STATE_DIR/bootstrap" ] && ready "$(cat "$STATE_DIR/bootstrap")"; then
            log "already running (pid $(cat "$STATE_DIR/kafka.pid"))"
            cat "$STATE_DIR/bootstrap"
            return 0
        fi
        if ! wait_gone; then
            log "a broker is running from $STATE_DIR but not serving; stop it first"
            exit 1
        fi
        log "the broker of $STATE_DIR (pid $(cat "$STATE_DIR/kafka.pid")) was dying; it is gone now"
    fi
    fetch_jars
    mkdir -p "$STATE_DIR/data" "$STATE_DIR/logs" "$STATE_DIR/tmp"
    local bport cport
    # A restart with the same state dir keeps its ports (clients reconnect to them).
    if [ -f "$STATE_DIR/ports" ]; then
        read -r bport cport <"$STATE_DIR/ports"
    else
        bport="${KAFKA_PORT:-$(pick_port)}"
        cport="${KAFKA_CONTROLLER_PORT:-$(pick_port "$bport")}"
        echo "$bport $cport" >"$STATE_DIR/ports"
        write_configs "$bport" "$cport"
    fi
    local common=()
    mapfile -t common < <(jvm_common)

    if [ ! -f "$STATE_DIR/data/meta.properties" ]; then
        log "formatting $STATE_DIR/data (cluster id $CLUSTER_ID)"
        if ! "$JAVA" -Xmx256m -XX:TieredStopAtLevel=1 "${common[@]}" -cp "$LIBS/*" \
            kafka.tools.StorageTool format -t "$CLUSTER_ID" \
            -c "$STATE_DIR/server.properties" --ignore-formatted \
            >"$STATE_DIR/format.log" 2>&1 </dev/null; then
            cat "$STATE_DIR/format.log" >&2
            exit 1
        fi
    fi

    log "starting broker (client port $bport, controller port $cport)"
    # stdout/stderr to a file and stdin from /dev/null, so $(kafka.sh start) returns.
    # shellcheck disable=SC2086
    nohup "$JAVA" $HEAP -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
        -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent \
        ${KAFKA_JVM_EXTRA:-} "${common[@]}" -cp "$LIBS/*" kafka.Kafka \
        "$STATE_DIR/server.properties" >>"$STATE_DIR/kafka.out" 2>&1 </dev/null &
    local pid=$!
    echo "$pid" >"$STATE_DIR/kafka.pid"
    local bootstrap="127.0.0.1:$bport"
    echo "$bootstrap" >"$STATE_DIR/bootstrap"
    trap 'kill -KILL '"$pid"' 2>/dev/null; rm -f "$STATE_DIR/kafka.pid"; exit 1' INT TERM

    local deadline=$(($(date +%s) + START_TIMEOUT))
    until ready "$bootstrap"; do
        if ! pid_alive "$pid"; then
            log "broker exited during startup; last log lines:"
            tail -n 60 "$STATE_DIR/kafka.out" >&2
            rm -f "$STATE_DIR/kafka.pid"
            exit 1
        fi
        if [ "$(date +%s)" -ge "$deadline" ]; then
            log "not ready after ${START_TIMEOUT}s; killing pid $pid"
            tail -n 60 "$STATE_DIR/kafka.out" >&2
            kill -KILL "$pid" 2>/dev/null || true
            rm -f "$STATE_DIR/kafka.pid"
            exit 1
        fi
        sleep 0.3
    done
    trap - INT TERM
    log "ready (pid $pid); state dir $STATE_DIR; stop with: $0 stop $STATE_DIR"
    echo "$bootstrap"
}

# stop: by the recorded pid only.  KAFKA_KEEP_STATE=1 keeps data and ports, so a
# later `start` with the same dir is a broker restart (the chaos test uses this).
do_stop() {
    if [ -f "$STATE_DIR/kafka.pid" ]; then
        local pid
        pid="$(cat "$STATE_DIR/kafka.pid")"
        if pid_alive "$pid"; then
            kill -TERM "$pid" 2>/dev/null || true # Kafka's shutdown hook: clean stop
            for _ in $(seq 1 60); do
                pid_alive "$pid" || break
                sleep 0.5
            done
            if pid_alive "$pid"; then
                log "pid $pid ignored SIGTERM for 30 s; SIGKILL"
                kill -KILL "$pid" 2>/dev/null || true
            fi
        fi
        rm -f "$STATE_DIR/kafka.pid"
    fi
    if [ "${KAFKA_KEEP_STATE:-0}" != 1 ] && [ -f "$STATE_DIR/server.properties" ]; then
        rm -rf "$STATE_DIR"
    fi
}

case "$CMD" in
start) do_start ;;
stop) do_stop ;;
status)
    if alive && ready "$(cat "$STATE_DIR/bootstrap")"; then
        cat "$STATE_DIR/bootstrap"
    else
        exit 1
    fi
    ;;
*) usage ;;
esac
