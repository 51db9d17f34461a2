#!/usr/bin/env bash
# A real single-node Apache Kafka (KRaft, combined broker + controller) on 127.0.0.1, run from
# Maven Central jars: no Docker, no Kafka download besides what Maven resolves.
#
#   tools/dev-env/kafka/kafka.sh provision   resolve the broker's jars into the cache (once per version)
#   tools/dev-env/kafka/kafka.sh start       provision if needed, format storage once, start, wait until ready
#   tools/dev-env/kafka/kafka.sh stop        SIGTERM, wait up to 30 s, then SIGKILL
#   tools/dev-env/kafka/kafka.sh status      exit 0 if the broker is running and accepts connections
#   tools/dev-env/kafka/kafka.sh logs [N]    follow the broker's log (last N lines first, default 100)
#   tools/dev-env/kafka/kafka.sh reset       stop and delete the data dir (all topics and offsets)
#   tools/dev-env/kafka/kafka.sh version     print the Kafka version in use
#   tools/dev-env/kafka/kafka.sh class MAIN [ARGS...]
#                                    run a Kafka main class on the cached jars, e.g.
#                                    org.apache.kafka.tools.TopicCommand --bootstrap-server ... --list
#                                    org.apache.kafka.tools.ProducerPerformance / ConsumerPerformance
#
# Environment (see tools/dev-env/kafka/README.md):
#   KAFKA_VERSION          Kafka release from Maven Central (default: below, same as ./VERSION)
#   KAFKA_PORT             PLAINTEXT port on 127.0.0.1 (default 9092)
#   KAFKA_CONTROLLER_PORT  KRaft controller port (default KAFKA_PORT + 1)
#   KAFKA_DATA_DIR         config, log dirs, log file, pid (default <repo>/.kafka/<KAFKA_PORT>)
#   TAXI_KAFKA_CACHE       jar cache (default ${XDG_CACHE_HOME:-$HOME/.cache}/taxi-kafka)
#   KAFKA_HEAP_OPTS        JVM heap (default "-Xmx512m -Xms256m")
#   KAFKA_START_TIMEOUT    seconds to wait for the broker to be ready (default 90)
#   JAVA_HOME              java to use (default: java on PATH)
set -euo pipefail

# The one default version. tools/dev-env/kafka/VERSION says the same for other tooling (compose, k8s).
DEFAULT_KAFKA_VERSION=4.3.1

KAFKA_TOOLS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$KAFKA_TOOLS_DIR/../../.." && pwd)"

KAFKA_VERSION="${KAFKA_VERSION:-$DEFAULT_KAFKA_VERSION}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
if [[ -z "${KAFKA_CONTROLLER_PORT:-}" && "$KAFKA_PORT" =~ ^[0-9]+$ ]]; then
  KAFKA_CONTROLLER_PORT=$((10#$KAFKA_PORT + 1))
fi
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-}"
KAFKA_DATA_DIR="${KAFKA_DATA_DIR:-$REPO_ROOT/.kafka/$KAFKA_PORT}"
[[ "$KAFKA_DATA_DIR" == /* ]] || KAFKA_DATA_DIR="$PWD/$KAFKA_DATA_DIR"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx512m -Xms256m}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
CACHE_ROOT="${TAXI_KAFKA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/taxi-kafka}"

VERSION_DIR="$CACHE_ROOT/kafka-$KAFKA_VERSION"
LIBS_DIR="$VERSION_DIR/libs"
MARKER="$VERSION_DIR/.provisioned"
PID_FILE="$KAFKA_DATA_DIR/kafka.pid"
LOG_FILE="$KAFKA_DATA_DIR/kafka.log"
CONFIG_FILE="$KAFKA_DATA_DIR/server.properties"
LOG_DIRS="$KAFKA_DATA_DIR/data"
BOOTSTRAP="127.0.0.1:$KAFKA_PORT"
READY_MESSAGE="Kafka Server started"

say() { printf 'kafka: %s\n' "$*"; }
die() {
  printf 'kafka: %s\n' "$*" >&2
  exit 1
}

usage() {
  awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "${BASH_SOURCE[0]}"
}

validate_env() {
  [[ "$KAFKA_VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "KAFKA_VERSION '$KAFKA_VERSION' is not a release like 4.3.1"
  local p
  for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    if ! [[ "$p" =~ ^[0-9]+$ ]] || ((p < 1 || p > 65535)); then
      die "'$p' is not a TCP port (KAFKA_PORT / KAFKA_CONTROLLER_PORT)"
    fi
  done
  [[ "$KAFKA_PORT" != "$KAFKA_CONTROLLER_PORT" ]] || die "KAFKA_PORT and KAFKA_CONTROLLER_PORT must differ"
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
# process bookkeeping

port_open() {
  # Plain bash TCP connect, bounded by timeout(1): no nc needed.
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# Is PID a broker of ours, started with this data dir's server.properties?
is_our_broker() {
  local pid="$1" cmdline
  [[ "$pid" =~ ^[0-9]+$ ]] && [[ -r "/proc/$pid/cmdline" ]] || return 1
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  [[ "$cmdline" == *" kafka.Kafka $CONFIG_FILE"* ]]
}

# Prints the pid of this data dir's broker, if one is running (with or without a pid file).
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

# Prints the data dir of a broker started by kafka.sh from another data dir (another checkout,
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

# Waits until the broker process logs that it started and its port accepts connections.
wait_ready() {
  local pid="$1" started="$2" deadline=$((SECONDS + KAFKA_START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PID_FILE"
      print_log_tail
      die "the broker (pid $pid) exited during start-up; see $LOG_FILE"
    fi
    if grep -q "$READY_MESSAGE" "$LOG_FILE" 2>/dev/null && port_open "$KAFKA_PORT"; then
      wait_coordinators "$pid"
      say "ready: bootstrap $BOOTSTRAP (pid $pid, started in $((SECONDS - started))s)"
      return 0
    fi
    sleep 0.25
  done
  print_log_tail
  die "the broker (pid $pid) was not ready within ${KAFKA_START_TIMEOUT}s (KAFKA_START_TIMEOUT); it is still running, stop it with: $0 stop"
}

# After a restart the group and transaction coordinators load __consumer_offsets and
# __transaction_state in the background for a moment after "Kafka Server started"; until then
# kafkajs gets COORDINATOR_LOAD_IN_PROGRESS (consumers restart, admin.fetchOffsets throws).
# Wait (at most 20 s, then go on anyway) until every such partition on disk reports loaded.
loaded_count() {
  grep -oE "Finished loading.* from $1-[0-9]+" "$LOG_FILE" 2>/dev/null | grep -oE "$1-[0-9]+" | sort -u | wc -l
}
wait_coordinators() {
  local pid="$1" deadline=$((SECONDS + 20)) want_groups want_txns
  want_groups="$(find "$LOG_DIRS" -maxdepth 1 -type d -name '__consumer_offsets-*' 2>/dev/null | wc -l)"
  want_txns="$(find "$LOG_DIRS" -maxdepth 1 -type d -name '__transaction_state-*' 2>/dev/null | wc -l)"
  ((want_groups + want_txns > 0)) || return 0
  while ((SECONDS < deadline)) && kill -0 "$pid" 2>/dev/null; do
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
  sed -e "s|@KAFKA_PORT@|$KAFKA_PORT|g" \
    -e "s|@KAFKA_CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" \
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

format_storage() {
  [[ -f "$LOG_DIRS/meta.properties" ]] && return 0
  local cluster_id logopt
  logopt="$(logging_opts)"
  say "formatting storage in $LOG_DIRS (first start of this data dir) ..."
  mkdir -p "$LOG_DIRS"
  cluster_id="$("$JAVA" -Xmx256m "$logopt" -cp "$LIBS_DIR/*" kafka.tools.StorageTool random-uuid | tail -n 1)"
  [[ "$cluster_id" =~ ^[A-Za-z0-9_-]{22}$ ]] || die "StorageTool random-uuid printed '$cluster_id', not a cluster id"
  "$JAVA" -Xmx256m "$logopt" -cp "$LIBS_DIR/*" kafka.tools.StorageTool \
    format -t "$cluster_id" -c "$CONFIG_FILE" --ignore-formatted >"$KAFKA_DATA_DIR/format.log" 2>&1 || {
    cat "$KAFKA_DATA_DIR/format.log" >&2
    die "formatting the storage failed"
  }
  printf '%s\n' "$cluster_id" >"$KAFKA_DATA_DIR/cluster-id"
}

start() {
  local started=$SECONDS pid p
  require_java
  provision quiet
  lock_data_dir

  if pid="$(broker_pid)"; then
    if port_open "$KAFKA_PORT"; then
      say "already running: bootstrap $BOOTSTRAP (pid $pid, data $KAFKA_DATA_DIR)"
      return 0
    fi
    say "a broker (pid $pid) is starting on this data dir; waiting for it ..."
    wait_ready "$pid" "$started"
    return 0
  fi

  local owner
  for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    if port_open "$p"; then
      if owner="$(other_kafka_sh_broker "$p")"; then
        die "127.0.0.1:$p is already in use by a kafka.sh broker of another data dir ($owner). To use that one: KAFKA_BROKERS=127.0.0.1:$p; to stop it: KAFKA_DATA_DIR=$owner $0 stop; or pick other ports with KAFKA_PORT / KAFKA_CONTROLLER_PORT."
      fi
      die "127.0.0.1:$p is already in use by something that is not this script's broker (data dir $KAFKA_DATA_DIR). Stop it, or pick other ports with KAFKA_PORT / KAFKA_CONTROLLER_PORT."
    fi
  done

  write_config
  format_storage

  [[ -f "$LOG_FILE" ]] && mv -f "$LOG_FILE" "$LOG_FILE.1"
  say "starting Kafka $KAFKA_VERSION on $BOOTSTRAP (controller 127.0.0.1:$KAFKA_CONTROLLER_PORT, data $KAFKA_DATA_DIR) ..."
  local -a heap jvm
  read -r -a heap <<<"$KAFKA_HEAP_OPTS"
  jvm=(
    "${heap[@]}"
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
    -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError
    -Djava.awt.headless=true
    "$(logging_opts)"
    "-Dkafka.logs.dir=$KAFKA_DATA_DIR"
  )
  # setsid: the broker outlives this script and is not hit by the terminal's Ctrl-C / hang-up;
  # no inherited stdio, so a caller reading this script's output is not held open by it.
  local -a launcher=()
  command -v setsid >/dev/null 2>&1 && launcher=(setsid)
  # 8>&- 9>&-: the broker must not inherit (and so keep holding) this script's lock files.
  "${launcher[@]}" "$JAVA" "${jvm[@]}" -cp "$LIBS_DIR/*" kafka.Kafka "$CONFIG_FILE" \
    </dev/null >"$LOG_FILE" 2>&1 8>&- 9>&- &
  pid=$!
  printf '%s\n' "$pid" >"$PID_FILE"
  wait_ready "$pid" "$started"
}

stop() {
  local pid waited=0
  lock_data_dir
  if ! pid="$(broker_pid)"; then
    rm -f "$PID_FILE"
    say "not running (data $KAFKA_DATA_DIR)"
    return 0
  fi
  say "stopping the broker (pid $pid) ..."
  kill -TERM "$pid" 2>/dev/null || true
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
  say "stopped"
}

status() {
  local pid
  if ! pid="$(broker_pid)"; then
    say "not running (data $KAFKA_DATA_DIR)"
    return 1
  fi
  if port_open "$KAFKA_PORT"; then
    say "running: bootstrap $BOOTSTRAP (pid $pid, Kafka $KAFKA_VERSION, data $KAFKA_DATA_DIR)"
    return 0
  fi
  say "starting, not ready yet (pid $pid; $BOOTSTRAP does not accept connections)"
  return 1
}

logs() {
  local lines="${1:-100}"
  [[ -f "$LOG_FILE" ]] || die "no log yet at $LOG_FILE"
  if [[ -t 1 ]]; then
    exec tail -n "$lines" -F "$LOG_FILE"
  fi
  tail -n "$lines" "$LOG_FILE"
}

run_class() {
  [[ $# -gt 0 ]] || die "usage: $0 class MAIN_CLASS [ARGS...]"
  require_java
  provision quiet
  local main="$1" logopt
  shift
  # 4.x: no config file means log4j2's default (console) at the level given here: the tools'
  # output is not buried under client INFO lines.
  logopt="-Dlog4j2.level=WARN"
  (($(kafka_major) >= 4)) || logopt="$(logging_opts)"
  exec "$JAVA" -Xmx512m "$logopt" -cp "$LIBS_DIR/*" "$main" "$@"
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
      start
      ;;
    stop) stop ;;
    status) status ;;
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
