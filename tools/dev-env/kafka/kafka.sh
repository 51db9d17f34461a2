#!/usr/bin/env bash
# A real Apache Kafka on 127.0.0.1 (KRaft, each node a combined broker + controller), run from
# Maven Central jars: no Docker, no Kafka download besides what Maven resolves. One node by
# default; KAFKA_NODES=3 makes a replicated cluster of three (a 3-voter quorum, replication 3,
# min.insync.replicas 2), whose nodes can be stopped, killed and started one at a time.
#
#   tools/dev-env/kafka/kafka.sh provision      resolve the broker's jars into the cache (once per version)
#   tools/dev-env/kafka/kafka.sh start [ID]     provision if needed, format storage once, start every node
#                                               (or node ID), wait until ready
#   tools/dev-env/kafka/kafka.sh stop [ID]      SIGTERM every node (or node ID), wait up to 30 s, then SIGKILL
#   tools/dev-env/kafka/kafka.sh kill ID        SIGKILL node ID at once (a crash), wait until it is gone
#   tools/dev-env/kafka/kafka.sh status [ID]    exit 0 if every node (or node ID) runs and accepts connections
#   tools/dev-env/kafka/kafka.sh nodes          one line per node: id, state, pid, ports
#   tools/dev-env/kafka/kafka.sh controller     the id of the active controller (the quorum's leader)
#   tools/dev-env/kafka/kafka.sh bootstrap      the bootstrap servers, e.g. 127.0.0.1:9092,127.0.0.1:9094,...
#   tools/dev-env/kafka/kafka.sh env            what the services need to use it, as shell exports:
#                                               KAFKA_BROKERS, KAFKA_REPLICATION_FACTOR, KAFKA_MIN_INSYNC_REPLICAS
#   tools/dev-env/kafka/kafka.sh pids           the pid of each running node, one per line
#   tools/dev-env/kafka/kafka.sh logs [N] [ID]  follow node ID's log (default 1; last N lines first, default 100)
#   tools/dev-env/kafka/kafka.sh reset          stop and delete the data dir (all topics and offsets)
#   tools/dev-env/kafka/kafka.sh version        print the Kafka version in use
#   tools/dev-env/kafka/kafka.sh class MAIN [ARGS...]
#                                    run a Kafka main class on the cached jars, e.g.
#                                    org.apache.kafka.tools.TopicCommand --bootstrap-server ... --list
#                                    org.apache.kafka.tools.ProducerPerformance / ConsumerPerformance
#
# Environment (see tools/dev-env/kafka/README.md):
#   KAFKA_VERSION          Kafka release from Maven Central (default: below, same as ./VERSION)
#   KAFKA_NODES            how many nodes (default 1; 3 for a replicated cluster)
#   KAFKA_PORT             PLAINTEXT port of node 1 on 127.0.0.1 (default 9092); node N: KAFKA_PORT + 2(N-1)
#   KAFKA_CONTROLLER_PORT  KRaft controller port of node 1 (default KAFKA_PORT + 1); node N: + 2(N-1)
#   KAFKA_DATA_DIR         config, log dirs, log file, pid (default <repo>/.kafka/<KAFKA_PORT>, and
#                          <repo>/.kafka/<KAFKA_PORT>-x<KAFKA_NODES> for a cluster: one node-<ID> dir each)
#   TAXI_KAFKA_CACHE       jar cache (default ${XDG_CACHE_HOME:-$HOME/.cache}/taxi-kafka)
#   KAFKA_HEAP_OPTS        JVM heap of each node (default "-Xmx512m -Xms256m")
#   KAFKA_JVM_OPTS         more JVM options for each node and the tools run here (default none),
#                          e.g. -XX:TieredStopAtLevel=1
#   KAFKA_START_TIMEOUT    seconds to wait for the nodes to be ready (default 90)
#   JAVA_HOME              java to use (default: java on PATH)
set -euo pipefail

# The one default version. tools/dev-env/kafka/VERSION says the same for other tooling (compose, k8s).
DEFAULT_KAFKA_VERSION=4.3.1

KAFKA_TOOLS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$KAFKA_TOOLS_DIR/../../.." && pwd)"

KAFKA_VERSION="${KAFKA_VERSION:-$DEFAULT_KAFKA_VERSION}"
KAFKA_NODES="${KAFKA_NODES:-1}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
if [[ -z "${KAFKA_CONTROLLER_PORT:-}" && "$KAFKA_PORT" =~ ^[0-9]+$ ]]; then
  KAFKA_CONTROLLER_PORT=$((10#$KAFKA_PORT + 1))
fi
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-}"
if [[ "$KAFKA_NODES" == 1 ]]; then
  KAFKA_DATA_DIR="${KAFKA_DATA_DIR:-$REPO_ROOT/.kafka/$KAFKA_PORT}"
else
  KAFKA_DATA_DIR="${KAFKA_DATA_DIR:-$REPO_ROOT/.kafka/$KAFKA_PORT-x$KAFKA_NODES}"
fi
[[ "$KAFKA_DATA_DIR" == /* ]] || KAFKA_DATA_DIR="$PWD/$KAFKA_DATA_DIR"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx512m -Xms256m}"
KAFKA_JVM_OPTS="${KAFKA_JVM_OPTS:-}"
read -r -a EXTRA_JVM_OPTS <<<"$KAFKA_JVM_OPTS"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
CACHE_ROOT="${TAXI_KAFKA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/taxi-kafka}"

VERSION_DIR="$CACHE_ROOT/kafka-$KAFKA_VERSION"
LIBS_DIR="$VERSION_DIR/libs"
MARKER="$VERSION_DIR/.provisioned"
READY_MESSAGE="Kafka Server started"

say() { printf 'kafka: %s\n' "$*"; }
die() {
  printf 'kafka: %s\n' "$*" >&2
  exit 1
}

usage() {
  awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "${BASH_SOURCE[0]}"
}

# ----------------------------------------------------------------------------------------------
# nodes: node N (1..KAFKA_NODES) has its ports, its dir and its files; one node keeps the
# single-node layout (the files straight in the data dir).

node_port() { printf '%s' $((10#$KAFKA_PORT + 2 * ($1 - 1))); }
node_controller_port() { printf '%s' $((10#$KAFKA_CONTROLLER_PORT + 2 * ($1 - 1))); }
node_dir() {
  if ((KAFKA_NODES == 1)); then printf '%s' "$KAFKA_DATA_DIR"; else printf '%s' "$KAFKA_DATA_DIR/node-$1"; fi
}
all_nodes() { seq 1 "$KAFKA_NODES"; }

# Sets the variables the per-node functions below work on.
select_node() {
  NODE_ID="$1"
  NODE_DIR="$(node_dir "$1")"
  NODE_PORT="$(node_port "$1")"
  NODE_CONTROLLER_PORT="$(node_controller_port "$1")"
  PID_FILE="$NODE_DIR/kafka.pid"
  LOG_FILE="$NODE_DIR/kafka.log"
  CONFIG_FILE="$NODE_DIR/server.properties"
  LOG_DIRS="$NODE_DIR/data"
  NODE_NAME="the broker"
  ((KAFKA_NODES == 1)) || NODE_NAME="node $1"
}

bootstrap_servers() {
  local id list=()
  for id in $(all_nodes); do list+=("127.0.0.1:$(node_port "$id")"); done
  (
    IFS=,
    printf '%s' "${list[*]}"
  )
}

# Replication as in production: 3 copies, writes need 2 (one node may be lost); fewer nodes, fewer.
replication_factor() { printf '%s' $((KAFKA_NODES < 3 ? KAFKA_NODES : 3)); }
min_insync_replicas() {
  local rf
  rf="$(replication_factor)"
  printf '%s' $((rf > 1 ? rf - 1 : 1))
}

quorum_voters() {
  local id list=()
  for id in $(all_nodes); do list+=("$id@127.0.0.1:$(node_controller_port "$id")"); done
  (
    IFS=,
    printf '%s' "${list[*]}"
  )
}

validate_node_id() {
  [[ "$1" =~ ^[0-9]+$ ]] && (($1 >= 1 && $1 <= KAFKA_NODES)) ||
    die "'$1' is not a node id of this cluster (1 to $KAFKA_NODES, KAFKA_NODES)"
}

validate_env() {
  [[ "$KAFKA_VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "KAFKA_VERSION '$KAFKA_VERSION' is not a release like 4.3.1"
  [[ "$KAFKA_NODES" =~ ^[1-9]$ ]] || die "KAFKA_NODES must be a number of nodes from 1 to 9, got '$KAFKA_NODES'"
  local p
  for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    if ! [[ "$p" =~ ^[0-9]+$ ]] || ((p < 1 || p + 2 * (KAFKA_NODES - 1) > 65535)); then
      die "'$p' is not a TCP port, or too high for $KAFKA_NODES node(s) (KAFKA_PORT / KAFKA_CONTROLLER_PORT)"
    fi
  done
  # Node N uses KAFKA_PORT + 2(N-1) and KAFKA_CONTROLLER_PORT + 2(N-1): no port may serve twice.
  local id ports=" "
  for id in $(all_nodes); do
    for p in "$(node_port "$id")" "$(node_controller_port "$id")"; do
      [[ "$ports" != *" $p "* ]] || die "KAFKA_PORT and KAFKA_CONTROLLER_PORT give port $p twice for $KAFKA_NODES node(s); pick ports further apart"
      ports+="$p "
    done
  done
  [[ "$KAFKA_START_TIMEOUT" =~ ^[0-9]+$ ]] || die "KAFKA_START_TIMEOUT must be a number of seconds"
  [[ "$CACHE_ROOT" == /* ]] || die "the jar cache dir must be absolute (TAXI_KAFKA_CACHE / XDG_CACHE_HOME): $CACHE_ROOT"
}

warn_version_file() {
  local file="$KAFKA_TOOLS_DIR/VERSION" v
  [[ -f "$file" ]] || return 0
  v="$(tr -d '[:space:]' <"$file")"
  [[ "$v" == "$DEFAULT_KAFKA_VERSION" ]] ||
    printf 'kafka: warning: tools/dev-env/kafka/VERSION (%s) differs from the default in kafka.sh (%s); keep them equal\n' "$v" "$DEFAULT_KAFKA_VERSION" >&2
}

kafka_major() { printf '%s' "${KAFKA_VERSION%%.*}"; }

missing_tool() {
  die "$1 not found. Install it (Debian/Ubuntu: apt-get install openjdk-17-jre-headless maven; Kafka 4.x needs Java 17+), or run Kafka with 'docker compose up' instead."
}

java_bin() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
    printf '%s' "$JAVA_HOME/bin/java"
  elif command -v java >/dev/null 2>&1; then
    command -v java
  else
    missing_tool "java"
  fi
}

require_java() {
  JAVA="$(java_bin)"
  local line major need=17
  (($(kafka_major) >= 4)) || need=11
  line="$("$JAVA" -version 2>&1 | head -n 1)"
  major="$(sed -E 's/.*version "([0-9]+)(\.([0-9]+))?.*/\1 \3/' <<<"$line")"
  # "1.8.0_x" style: the major is the second number.
  if [[ "${major%% *}" == 1 ]]; then major="${major#* }"; else major="${major%% *}"; fi
  if [[ "$major" =~ ^[0-9]+$ ]] && ((major < need)); then
    die "Kafka $KAFKA_VERSION needs Java $need+, but $JAVA is Java $major. Install openjdk-17-jre-headless (or set JAVA_HOME), or use 'docker compose up'."
  fi
}

# ----------------------------------------------------------------------------------------------
# provision

pom_digest() { sha256sum "$KAFKA_TOOLS_DIR/pom.xml" | cut -d' ' -f1; }

is_provisioned() {
  [[ -f "$MARKER" && -d "$LIBS_DIR" ]] || return 1
  # A changed pom.xml (e.g. another logging binding) means the cached set is not what it asks for.
  [[ "$(sed -n 's/^pom=//p' "$MARKER")" == "$(pom_digest)" ]] || return 1
  [[ -f "$LIBS_DIR/kafka_2.13-$KAFKA_VERSION.jar" ]]
}

# provision [quiet]: "quiet" (from start) says nothing when the cache is already complete.
provision() {
  if is_provisioned; then
    [[ "${1:-}" == quiet ]] || say "Kafka $KAFKA_VERSION already provisioned in $LIBS_DIR"
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || missing_tool "mvn (Maven, to fetch the Kafka jars from Maven Central)"
  mkdir -p "$VERSION_DIR"
  # One provisioning per version at a time (two test runs starting together).
  exec 8>"$VERSION_DIR/.lock"
  flock -w 600 8 || die "timed out waiting for another provisioning of Kafka $KAFKA_VERSION"
  if is_provisioned; then # done by the run we waited for
    exec 8>&-
    return 0
  fi

  local logging=log4j2 tmp started elapsed count
  (($(kafka_major) >= 4)) || logging=reload4j
  tmp="$VERSION_DIR/libs.partial"
  rm -rf "$tmp" "$LIBS_DIR" "$MARKER"
  say "provisioning Kafka $KAFKA_VERSION ($logging logging) from Maven Central into $LIBS_DIR ..."
  started=$SECONDS
  # Debian's Maven prints colour resets even with -B and style.color=never: strip them.
  if ! mvn -q -B -U -Dstyle.color=never -f "$KAFKA_TOOLS_DIR/pom.xml" dependency:copy-dependencies \
    -Dkafka.version="$KAFKA_VERSION" -Dkafka.logging="$logging" -DoutputDirectory="$tmp" 2>&1 |
    sed -e 's/\x1b\[[0-9;]*m//g' -e '/^[[:space:]]*$/d'; then
    rm -rf "$tmp"
    exec 8>&-
    die "Maven could not resolve org.apache.kafka:kafka_2.13:$KAFKA_VERSION and its dependencies (see above). Is the version on Maven Central, and complete there?"
  fi
  [[ -f "$tmp/kafka_2.13-$KAFKA_VERSION.jar" ]] || {
    rm -rf "$tmp"
    exec 8>&-
    die "Maven finished but kafka_2.13-$KAFKA_VERSION.jar is missing from $tmp"
  }
  mv "$tmp" "$LIBS_DIR"
  count="$(find "$LIBS_DIR" -name '*.jar' | wc -l)"
  # Written last: an interrupted download leaves no marker and is redone next time.
  printf 'version=%s\nlogging=%s\njars=%s\npom=%s\n' "$KAFKA_VERSION" "$logging" "$count" "$(pom_digest)" >"$MARKER"
  exec 8>&-
  elapsed=$((SECONDS - started))
  say "provisioned Kafka $KAFKA_VERSION: $count jars, $(du -sh "$LIBS_DIR" | cut -f1) in ${elapsed}s"
}

# ----------------------------------------------------------------------------------------------
# process bookkeeping (of the node chosen with select_node)

port_open() {
  # Plain bash TCP connect, bounded by timeout(1): no nc needed.
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# Is PID a broker of ours, started with this node's server.properties?
is_our_broker() {
  local pid="$1" cmdline
  [[ "$pid" =~ ^[0-9]+$ ]] && [[ -r "/proc/$pid/cmdline" ]] || return 1
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  [[ "$cmdline" == *" kafka.Kafka $CONFIG_FILE "* || "$cmdline" == *" kafka.Kafka $CONFIG_FILE" ]]
}

# Prints the pid of this node's broker, if one is running (with or without a pid file).
broker_pid() {
  local pid=""
  if [[ -f "$PID_FILE" ]]; then
    pid="$(tr -dc '0-9' <"$PID_FILE")"
    if is_our_broker "$pid"; then
      printf '%s' "$pid"
      return 0
    fi
    rm -f "$PID_FILE" # stale
  fi
  # Lost pid file: look for the exact command line, nothing broader.
  local cmd
  for cmd in /proc/[0-9]*/cmdline; do
    pid="${cmd#/proc/}"
    pid="${pid%/cmdline}"
    if is_our_broker "$pid"; then
      printf '%s' "$pid" >"$PID_FILE"
      printf '%s' "$pid"
      return 0
    fi
  done
  return 1
}

# Prints the node dir of a broker started by kafka.sh from another data dir (another checkout,
# another KAFKA_DATA_DIR) that listens on port $1, if there is one.
other_kafka_sh_broker() {
  local port="$1" cmd args conf
  for cmd in /proc/[0-9]*/cmdline; do
    args="$(tr '\0' ' ' <"$cmd" 2>/dev/null)" || continue
    [[ "$args" == *" kafka.Kafka "*/server.properties* ]] || continue
    conf="${args##* kafka.Kafka }"
    conf="${conf%% *}"
    if [[ -f "$conf" ]] && grep -qE "//127\.0\.0\.1:$port(,|\$)" "$conf"; then
      printf '%s' "${conf%/server.properties}"
      return 0
    fi
  done
  return 1
}

lock_data_dir() {
  mkdir -p "$KAFKA_DATA_DIR"
  exec 9>"$KAFKA_DATA_DIR/.lock"
  flock -w 180 9 || die "timed out waiting for another kafka.sh on $KAFKA_DATA_DIR"
}

print_log_tail() {
  if [[ -f "$LOG_FILE" ]]; then
    printf -- '--- last 60 lines of %s ---\n' "$LOG_FILE" >&2
    tail -n 60 "$LOG_FILE" >&2 || true
    printf -- '--- end of log ---\n' >&2
  fi
}

# Waits until the node logs that it started and its port accepts connections. A node of a cluster
# gets there only once a majority of the controller quorum is up.
wait_ready() {
  local pid="$1" started="$2" deadline=$((SECONDS + KAFKA_START_TIMEOUT)) stop_hint="$0 stop"
  ((KAFKA_NODES == 1)) || stop_hint="$0 stop $NODE_ID"
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PID_FILE"
      print_log_tail
      die "$NODE_NAME (pid $pid) exited during start-up; see $LOG_FILE"
    fi
    if grep -q "$READY_MESSAGE" "$LOG_FILE" 2>/dev/null && port_open "$NODE_PORT"; then
      ((KAFKA_NODES == 1)) && say "ready: bootstrap 127.0.0.1:$NODE_PORT (pid $pid, started in $((SECONDS - started))s)"
      ((KAFKA_NODES == 1)) || say "node $NODE_ID ready on 127.0.0.1:$NODE_PORT (pid $pid, started in $((SECONDS - started))s)"
      return 0
    fi
    sleep 0.25
  done
  print_log_tail
  die "$NODE_NAME (pid $pid) was not ready within ${KAFKA_START_TIMEOUT}s (KAFKA_START_TIMEOUT); it is still running, stop it with: $stop_hint"
}

# After a restart the group and transaction coordinators load __consumer_offsets and
# __transaction_state in the background for a moment after "Kafka Server started"; until then
# kafkajs gets COORDINATOR_LOAD_IN_PROGRESS (consumers restart, admin.fetchOffsets throws).
# Wait (at most 20 s, then go on anyway) until every such partition on disk reports loaded, by
# whichever node leads it.
partitions_on_disk() {
  local id
  for id in $(all_nodes); do
    find "$(node_dir "$id")/data" -maxdepth 1 -type d -name "$1-*" -printf '%f\n' 2>/dev/null
  done | sort -u | wc -l
}
loaded_count() {
  local id
  for id in $(all_nodes); do
    grep -oE "Finished loading.* from $1-[0-9]+" "$(node_dir "$id")/kafka.log" 2>/dev/null | grep -oE "$1-[0-9]+"
  done | sort -u | wc -l
}
wait_coordinators() {
  local deadline=$((SECONDS + 20)) want_groups want_txns
  want_groups="$(partitions_on_disk __consumer_offsets)"
  want_txns="$(partitions_on_disk __transaction_state)"
  ((want_groups + want_txns > 0)) || return 0
  while ((SECONDS < deadline)); do
    if (($(loaded_count __consumer_offsets) >= want_groups && $(loaded_count __transaction_state) >= want_txns)); then
      return 0
    fi
    sleep 0.1
  done
  say "note: the group/transaction coordinators had not reported loading their partitions after 20s; going on"
}

# ----------------------------------------------------------------------------------------------
# start / stop

write_config() {
  local template="$KAFKA_TOOLS_DIR/server.properties.template"
  [[ -f "$template" ]] || die "missing $template"
  mkdir -p "$NODE_DIR"
  sed -e "s|@NODE_ID@|$NODE_ID|g" \
    -e "s|@KAFKA_PORT@|$NODE_PORT|g" \
    -e "s|@KAFKA_CONTROLLER_PORT@|$NODE_CONTROLLER_PORT|g" \
    -e "s|@QUORUM_VOTERS@|$(quorum_voters)|g" \
    -e "s|@REPLICATION_FACTOR@|$(replication_factor)|g" \
    -e "s|@MIN_INSYNC_REPLICAS@|$(min_insync_replicas)|g" \
    -e "s|@KAFKA_LOG_DIRS@|$LOG_DIRS|g" \
    "$template" >"$CONFIG_FILE.tmp"
  mv "$CONFIG_FILE.tmp" "$CONFIG_FILE"
}

logging_opts() {
  if (($(kafka_major) >= 4)); then
    printf '%s\n' "-Dlog4j2.configurationFile=$KAFKA_TOOLS_DIR/log4j2.xml"
  else
    printf '%s\n' "-Dlog4j.configuration=file:$KAFKA_TOOLS_DIR/log4j.properties"
  fi
}

# The cluster's id, drawn once per data dir: every node of a cluster is formatted with it.
cluster_id() {
  local file="$KAFKA_DATA_DIR/cluster-id" id
  if [[ ! -s "$file" ]]; then
    id="$("$JAVA" -Xmx256m "${EXTRA_JVM_OPTS[@]}" "$(logging_opts)" -cp "$LIBS_DIR/*" kafka.tools.StorageTool random-uuid | tail -n 1)"
    [[ "$id" =~ ^[A-Za-z0-9_-]{22}$ ]] || die "StorageTool random-uuid printed '$id', not a cluster id"
    printf '%s\n' "$id" >"$file"
  fi
  tr -d '[:space:]' <"$file"
}

format_storage() {
  [[ -f "$LOG_DIRS/meta.properties" ]] && return 0
  local id="$1"
  say "formatting storage in $LOG_DIRS (first start of this data dir) ..."
  mkdir -p "$LOG_DIRS"
  "$JAVA" -Xmx256m "${EXTRA_JVM_OPTS[@]}" "$(logging_opts)" -cp "$LIBS_DIR/*" kafka.tools.StorageTool \
    format -t "$id" -c "$CONFIG_FILE" --ignore-formatted >"$NODE_DIR/format.log" 2>&1 || {
    cat "$NODE_DIR/format.log" >&2
    die "formatting the storage of $NODE_NAME failed"
  }
}

# Starts the chosen node's JVM (not waiting for it); prints its pid.
launch_node() {
  [[ -f "$LOG_FILE" ]] && mv -f "$LOG_FILE" "$LOG_FILE.1"
  local -a heap jvm
  read -r -a heap <<<"$KAFKA_HEAP_OPTS"
  jvm=(
    "${heap[@]}"
    "${EXTRA_JVM_OPTS[@]}"
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
    -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError
    -Djava.awt.headless=true
    "$(logging_opts)"
    "-Dkafka.logs.dir=$NODE_DIR"
  )
  # setsid: the broker outlives this script and is not hit by the terminal's Ctrl-C / hang-up;
  # no inherited stdio, so a caller reading this script's output is not held open by it.
  local -a launcher=()
  command -v setsid >/dev/null 2>&1 && launcher=(setsid)
  # 8>&- 9>&-: the broker must not inherit (and so keep holding) this script's lock files.
  "${launcher[@]}" "$JAVA" "${jvm[@]}" -cp "$LIBS_DIR/*" kafka.Kafka "$CONFIG_FILE" \
    </dev/null >"$LOG_FILE" 2>&1 8>&- 9>&- &
  printf '%s\n' "$!" >"$PID_FILE"
  printf '%s' "$!"
}

# Refuses to start the chosen node on ports someone else holds.
check_ports_free() {
  local p owner
  for p in "$NODE_PORT" "$NODE_CONTROLLER_PORT"; do
    if port_open "$p"; then
      if owner="$(other_kafka_sh_broker "$p")"; then
        die "127.0.0.1:$p is already in use by a kafka.sh broker of another data dir ($owner). To use that one: KAFKA_BROKERS=127.0.0.1:$p; to stop it: KAFKA_DATA_DIR=$owner $0 stop; or pick other ports with KAFKA_PORT / KAFKA_CONTROLLER_PORT."
      fi
      die "127.0.0.1:$p is already in use by something that is not this script's broker (data dir $KAFKA_DATA_DIR). Stop it, or pick other ports with KAFKA_PORT / KAFKA_CONTROLLER_PORT."
    fi
  done
}

# start [ID]: every node that is not running (they start together: a cluster's nodes wait for a
# quorum), or node ID alone; then waits for them.
start() {
  local started=$SECONDS pid id
  local -a ids=() waiting=() pids=()
  if [[ -n "${1:-}" ]]; then
    validate_node_id "$1"
    ids=("$1")
  else
    mapfile -t ids < <(all_nodes)
  fi
  require_java
  provision quiet
  lock_data_dir

  local fresh=0 id_of_cluster
  local -a to_launch=() formats=()
  for id in "${ids[@]}"; do
    select_node "$id"
    if pid="$(broker_pid)"; then
      if port_open "$NODE_PORT"; then
        ((KAFKA_NODES == 1)) && say "already running: bootstrap 127.0.0.1:$NODE_PORT (pid $pid, data $KAFKA_DATA_DIR)"
        ((KAFKA_NODES == 1)) || say "node $id already running on 127.0.0.1:$NODE_PORT (pid $pid)"
        continue
      fi
      say "$NODE_NAME (pid $pid) is starting; waiting for it ..."
      waiting+=("$id")
      pids+=("$pid")
    else
      check_ports_free
      to_launch+=("$id")
    fi
  done
  # Format the new nodes' storage together (a JVM each), then start them together.
  ((${#to_launch[@]} == 0)) || id_of_cluster="$(cluster_id)"
  for id in "${to_launch[@]}"; do
    select_node "$id"
    write_config
    [[ -f "$LOG_DIRS/meta.properties" ]] && continue
    fresh=1
    format_storage "$id_of_cluster" &
    formats+=("$!")
  done
  for pid in "${formats[@]}"; do wait "$pid" || die "formatting the storage failed"; done
  for id in "${to_launch[@]}"; do
    select_node "$id"
    if ((KAFKA_NODES == 1)); then
      say "starting Kafka $KAFKA_VERSION on 127.0.0.1:$NODE_PORT (controller 127.0.0.1:$NODE_CONTROLLER_PORT, data $KAFKA_DATA_DIR) ..."
    else
      say "starting node $id of $KAFKA_NODES: Kafka $KAFKA_VERSION on 127.0.0.1:$NODE_PORT (controller 127.0.0.1:$NODE_CONTROLLER_PORT, data $NODE_DIR) ..."
    fi
    waiting+=("$id")
    pids+=("$(launch_node)")
  done
  ((${#waiting[@]} > 0)) || return 0
  local i
  for i in "${!waiting[@]}"; do
    select_node "${waiting[$i]}"
    wait_ready "${pids[$i]}" "$started"
  done
  # A whole cluster (or the one node) restarted on old data: its coordinators must load first. A
  # single node of a running cluster leads nothing yet, so there is nothing to wait for.
  ((${#waiting[@]} == KAFKA_NODES)) || return 0
  ((fresh == 1)) || wait_coordinators
  ((KAFKA_NODES == 1)) || say "ready: bootstrap $(bootstrap_servers) ($KAFKA_NODES nodes, started in $((SECONDS - started))s)"
}

# stop_node SIGNAL: SIGTERM waits up to 30 s for a controlled shutdown, then kills; SIGKILL is a
# crash. Returns once the process is gone.
stop_node() {
  local signal="$1" pid waited=0
  if ! pid="$(broker_pid)"; then
    rm -f "$PID_FILE"
    say "$NODE_NAME not running (data $NODE_DIR)"
    return 0
  fi
  if [[ "$signal" == KILL ]]; then
    say "killing $NODE_NAME (pid $pid, SIGKILL) ..."
  else
    say "stopping $NODE_NAME (pid $pid) ..."
  fi
  kill "-$signal" "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null && ((waited < 120)); do
    sleep 0.25
    waited=$((waited + 1))
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "still running after 30s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$PID_FILE"
  if [[ "$signal" == KILL ]]; then say "$NODE_NAME killed"; elif ((KAFKA_NODES == 1)); then say stopped; else say "$NODE_NAME stopped"; fi
}

# stop [ID]: every node, together (a node of a cluster waits for the quorum to shut down in
# order: stopping them one after another would leave the last without one), or node ID.
stop() {
  lock_data_dir
  if [[ -n "${1:-}" ]]; then
    validate_node_id "$1"
    select_node "$1"
    stop_node TERM
    return 0
  fi
  local id
  local -a jobs=()
  for id in $(all_nodes); do
    (
      select_node "$id"
      stop_node TERM
    ) &
    jobs+=("$!")
  done
  for id in "${jobs[@]}"; do wait "$id"; done
  ((KAFKA_NODES == 1)) || say "stopped"
}

kill_node() {
  [[ $# -eq 1 ]] || die "usage: $0 kill NODE_ID"
  validate_node_id "$1"
  lock_data_dir
  select_node "$1"
  stop_node KILL
}

# status [ID]: exit 0 if every node (or node ID) runs and accepts connections.
status() {
  local -a ids=()
  local id pid ok=0
  if [[ -n "${1:-}" ]]; then
    validate_node_id "$1"
    ids=("$1")
  else
    mapfile -t ids < <(all_nodes)
  fi
  for id in "${ids[@]}"; do
    select_node "$id"
    if ! pid="$(broker_pid)"; then
      say "$NODE_NAME not running (data $NODE_DIR)"
      ok=1
    elif port_open "$NODE_PORT"; then
      if ((KAFKA_NODES == 1)); then
        say "running: bootstrap 127.0.0.1:$NODE_PORT (pid $pid, Kafka $KAFKA_VERSION, data $KAFKA_DATA_DIR)"
      else
        say "node $id running on 127.0.0.1:$NODE_PORT (pid $pid, Kafka $KAFKA_VERSION)"
      fi
    else
      say "$NODE_NAME starting, not ready yet (pid $pid; 127.0.0.1:$NODE_PORT does not accept connections)"
      ok=1
    fi
  done
  return "$ok"
}

# One line per node, for a person: what runs where.
nodes() {
  local id pid state
  printf '%-5s %-8s %-8s %-16s %s\n' node state pid broker controller
  for id in $(all_nodes); do
    select_node "$id"
    pid="-"
    state=down
    if pid="$(broker_pid)"; then
      state=starting
      port_open "$NODE_PORT" && state=up
    else
      pid="-"
    fi
    printf '%-5s %-8s %-8s %-16s %s\n' "$id" "$state" "$pid" "127.0.0.1:$NODE_PORT" "127.0.0.1:$NODE_CONTROLLER_PORT"
  done
}

pids() {
  local id pid
  for id in $(all_nodes); do
    select_node "$id"
    if pid="$(broker_pid)"; then printf '%s\n' "$pid"; fi
  done
}

# The active controller: the leader of the KRaft quorum, as the quorum itself reports it.
controller() {
  require_java
  provision quiet
  local out leader
  out="$(run_tool org.apache.kafka.tools.MetadataQuorumCommand --bootstrap-server "$(running_bootstrap)" describe --status 2>&1)" ||
    die "could not describe the quorum: $out"
  leader="$(sed -n 's/^LeaderId:[[:space:]]*\([0-9-]*\).*/\1/p' <<<"$out")"
  [[ "$leader" =~ ^[0-9]+$ ]] || die "the quorum has no leader now: $out"
  printf '%s\n' "$leader"
}

# The bootstrap list of the nodes that are up (a tool given a dead first address waits for it).
running_bootstrap() {
  local id list=()
  for id in $(all_nodes); do
    port_open "$(node_port "$id")" && list+=("127.0.0.1:$(node_port "$id")")
  done
  ((${#list[@]} > 0)) || die "no node is up"
  (
    IFS=,
    printf '%s' "${list[*]}"
  )
}

logs() {
  local lines="${1:-100}" id="${2:-1}"
  validate_node_id "$id"
  select_node "$id"
  [[ -f "$LOG_FILE" ]] || die "no log yet at $LOG_FILE"
  if [[ -t 1 ]]; then
    exec tail -n "$lines" -F "$LOG_FILE"
  fi
  tail -n "$lines" "$LOG_FILE"
}

# The java command line of a Kafka tool. 4.x: no config file means log4j2's default (console) at
# the level given here: the tools' output is not buried under client INFO lines.
tool_command() {
  local logopt="-Dlog4j2.level=ERROR"
  (($(kafka_major) >= 4)) || logopt="$(logging_opts)"
  TOOL=("$JAVA" -Xmx512m "${EXTRA_JVM_OPTS[@]}" "$logopt" -cp "$LIBS_DIR/*")
}

run_tool() {
  tool_command
  "${TOOL[@]}" "$@"
}

run_class() {
  [[ $# -gt 0 ]] || die "usage: $0 class MAIN_CLASS [ARGS...]"
  require_java
  provision quiet
  tool_command
  exec "${TOOL[@]}" "$@"
}

reset() {
  stop
  case "$KAFKA_DATA_DIR" in
    "" | / | "$HOME" | "$REPO_ROOT") die "refusing to delete '$KAFKA_DATA_DIR'" ;;
  esac
  rm -rf "$KAFKA_DATA_DIR"
  say "deleted $KAFKA_DATA_DIR"
}

main() {
  local cmd="${1:-}"
  [[ $# -gt 0 ]] && shift
  validate_env
  case "$cmd" in
    provision)
      warn_version_file
      provision
      ;;
    start)
      warn_version_file
      start "$@"
      ;;
    stop) stop "$@" ;;
    kill) kill_node "$@" ;;
    status) status "$@" ;;
    nodes) nodes ;;
    controller) controller ;;
    bootstrap) printf '%s\n' "$(bootstrap_servers)" ;;
    env)
      printf 'export KAFKA_BROKERS=%s\n' "$(bootstrap_servers)"
      printf 'export KAFKA_REPLICATION_FACTOR=%s\n' "$(replication_factor)"
      printf 'export KAFKA_MIN_INSYNC_REPLICAS=%s\n' "$(min_insync_replicas)"
      ;;
    pids) pids ;;
    logs) logs "$@" ;;
    reset) reset ;;
    version) printf '%s\n' "$KAFKA_VERSION" ;;
    class) run_class "$@" ;;
    -h | --help | help) usage ;;
    *)
      usage >&2
      exit 2
      ;;
  esac
}

main "$@"
