#!/usr/bin/env bash
# Runs a command with KAFKA_BROKERS pointing at a real broker: the one in KAFKA_BROKERS if set,
# else the project's local broker, started here if it is not running and stopped again afterwards.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ -z "${KAFKA_BROKERS:-}" ]]; then
  export KAFKA_PORT="${KAFKA_PORT:-9092}"
  if ! bash "$here/kafka/kafka.sh" status >/dev/null 2>&1; then
    bash "$here/kafka/kafka.sh" start
    trap 'bash "$here/kafka/kafka.sh" stop' EXIT
  fi
  export KAFKA_BROKERS="127.0.0.1:${KAFKA_PORT}"
fi
"$@"
