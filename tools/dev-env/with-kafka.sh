#!/usr/bin/env bash
# Runs a command with KAFKA_BROKERS pointing at a real broker: the one in KAFKA_BROKERS if set,
# else the project's local Kafka (KAFKA_NODES nodes, default 1), started here if it is not running
# and stopped again afterwards. The one owner of "start a broker unless KAFKA_BROKERS is set":
# `npm test` wraps the whole integration run in it (one broker for all projects), every `int`
# target runs jest through it (so `nx run <project>:int` works alone), and `npm start` and the
# bench run the services through it. For a local cluster it also sets the replication the
# services create topics with (KAFKA_REPLICATION_FACTOR, KAFKA_MIN_INSYNC_REPLICAS), unless set.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ -z "${KAFKA_BROKERS:-}" ]]; then
  export KAFKA_PORT="${KAFKA_PORT:-9092}" KAFKA_NODES="${KAFKA_NODES:-1}"
  if ! bash "$here/kafka/kafka.sh" status >/dev/null 2>&1; then
    bash "$here/kafka/kafka.sh" start
    trap 'bash "$here/kafka/kafka.sh" stop' EXIT
  fi
  replication="${KAFKA_REPLICATION_FACTOR:-}" min_isr="${KAFKA_MIN_INSYNC_REPLICAS:-}"
  eval "$(bash "$here/kafka/kafka.sh" env)"
  # One node: the services' own defaults (replication 1, the broker's min ISR), as before.
  if [[ "$KAFKA_NODES" == 1 ]]; then unset KAFKA_REPLICATION_FACTOR KAFKA_MIN_INSYNC_REPLICAS; fi
  [[ -z "$replication" ]] || export KAFKA_REPLICATION_FACTOR="$replication"
  [[ -z "$min_isr" ]] || export KAFKA_MIN_INSYNC_REPLICAS="$min_isr"
fi
"$@"
