#!/usr/bin/env bash
# The one entry point on a fresh machine: brings Node 24 and the npm packages, then runs an npm
# script with them. Java 17+ and Maven are needed for the local Kafka broker (tools/dev-env/kafka).
#
#   bash scripts/dev.sh test     # every check and test, against a real local Kafka
#   bash scripts/dev.sh start    # the whole stack on a local Kafka; Ctrl-C stops it
#   bash scripts/dev.sh demo     # the same, with a stream of ride requests flowing
#   bash scripts/dev.sh <npm script> [args...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/node24.sh
source "$root/scripts/node24.sh"
# shellcheck source=scripts/system-tools.sh
source "$root/scripts/system-tools.sh"
ensure_node24

# npm ci when node_modules is missing or older than the lock file or a patch of patches/ (its
# postinstall applies them: ADR 033).
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ||
  -n "$(find patches -newer node_modules/.package-lock.json)" ]]; then
  echo "› installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

[[ $# -gt 0 ]] || set -- test
[[ "$1" != test ]] || ensure_system_tools
exec npm run "$@"
