#!/usr/bin/env bash
# Runs a command with KAFKA_BROKERS pointing at a real broker: the one in KAFKA_BROKERS if set,
# else the project's local broker, started here if it is not running and stopped again afterwards.
# The one owner of "start a broker unless KAFKA_BROKERS is set": `npm test` wraps the whole
# integration run in it (one broker for all projects), every `int` target runs jest through it
# (so `nx run <project>:int` works alone), and `npm start` runs the services through it.
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
