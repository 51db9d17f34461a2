#!/usr/bin/env bash
# Fuzzes the rides API with schemathesis (a fuzzer that is not ours, from PyPI) against the OpenAPI
# document the running service serves: every check on, 0 server errors and 0 answers outside the
# spec to pass. Bounded: at most FUZZ_MAX_EXAMPLES (25) cases per operation and phase, killed after
# FUZZ_MAX_SECONDS (180); only ever a service on 127.0.0.1.
#
#   bash tools/test-infra/fuzz/schemathesis.sh http://127.0.0.1:3000
#
# Installs schemathesis on first use into a venv under ~/.cache/taxi-kafka (python3 -m venv + pip;
# apt-get install python3-venv when the machine lacks venv and this runs as root).
set -euo pipefail
base_url="${1:?usage: schemathesis.sh http://127.0.0.1:<port>}"
[[ "$base_url" =~ ^http://127\.0\.0\.1:[0-9]+$ ]] || {
  echo "schemathesis.sh: only a service on http://127.0.0.1:<port> is fuzzed, not $base_url" >&2
  exit 2
}
version=4.32.5
venv="${XDG_CACHE_HOME:-$HOME/.cache}/taxi-kafka/schemathesis-$version"

if [[ ! -x "$venv/bin/schemathesis" ]]; then
  command -v python3 >/dev/null || { echo "schemathesis.sh: python3 is needed (apt-get install python3-venv)" >&2; exit 1; }
  if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
      echo "› installing python3-venv (apt-get)" >&2
      apt-get update -qq >/dev/null
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
    else
      echo "schemathesis.sh: python3 venv is missing: sudo apt-get install python3-venv" >&2
      exit 1
    fi
  fi
  echo "› installing schemathesis $version into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version" >&2
fi

# positive_data_acceptance is off: a schema-valid body is still refused for rules JSON Schema
# cannot state (pickup equal to dropoff → 400; an Idempotency-Key reused for another body → 422),
# and both answers are in the spec. Every other check runs, 405 for undeclared methods included.
cd "$(mktemp -d)" # schemathesis writes its example database in the working directory
# --max-time would repeat fuzzing until the time is spent: the count bounds the run, timeout caps it.
exec timeout "${FUZZ_MAX_SECONDS:-180}" "$venv/bin/schemathesis" run "$base_url/openapi.json" \
  --checks all --exclude-checks positive_data_acceptance \
  --max-examples "${FUZZ_MAX_EXAMPLES:-25}" \
  --workers 1 --seed "${FUZZ_SEED:-20261122}" --generation-database none \
  --request-timeout 10 --no-color
