#!/usr/bin/env bash
# `npm run test:upgrade`, a step of `npm test`: the rolling-upgrade test (pipeline-e2e:upgrade,
# apps/pipeline-e2e/src/contracts/rolling-upgrade.upgrade.test.ts) on a real local broker
# (with-kafka.sh). It upgrades from N−1, the parent of the commit that first wrote the change below,
# built from this clone's history. A shallow clone (CI's usual checkout) lacks it: the history is
# fetched first (bounded, never prompting); if N−1 is still missing, or this is no git repository,
# says why in one line and exits 0, so the rest of the test command still runs.
#
#   rolling-upgrade.sh          finds N−1, then runs the test (its exit code is the test's)
#   rolling-upgrade.sh --find   finds N−1 (deepening a shallow clone) and prints it; runs nothing
#   TAXI_SKIP_UPGRADE           set to skip this step (it says so)
#   TAXI_UNSHALLOW_TIMEOUT      seconds the history fetch may take (default 120)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
# The change the test ships; CHANGE in rolling-upgrade.upgrade.test.ts names the same: move both.
change_file=libs/events/src/rides.ts
change_text='export const vehicleClassSchema'

skip() {
  echo "rolling upgrade: skipped, $*"
  exit 0
}

# N−1, or nothing when this clone does not have it (in a shallow clone the change's commit is found
# at the boundary, with no parent).
previous() {
  local change
  change="$(git log --reverse --format=%H "-S$change_text" -- "$change_file" 2>/dev/null | sed -n 1p)"
  [[ -n "$change" ]] && git rev-parse --verify --quiet "$change^" 2>/dev/null
}

[[ -z "${TAXI_SKIP_UPGRADE:-}" ]] || skip "TAXI_SKIP_UPGRADE is set"
git rev-parse --git-dir >/dev/null 2>&1 || skip "not a git repository, so no release before the change to build"
from="$(previous)" || from=""
if [[ -z "$from" && "$(git rev-parse --is-shallow-repository)" == true ]]; then
  GIT_TERMINAL_PROMPT=0 GIT_SSH_COMMAND="${GIT_SSH_COMMAND:-ssh} -o BatchMode=yes" \
    timeout -k 5 "${TAXI_UNSHALLOW_TIMEOUT:-120}" git fetch --unshallow --quiet </dev/null >/dev/null 2>&1 || true
  from="$(previous)" || from=""
fi
if [[ -z "$from" ]]; then
  if [[ "$(git rev-parse --is-shallow-repository)" == true ]]; then
    skip "a shallow clone, and fetching its history failed: the commit before \"$change_text\" in $change_file is not here"
  fi
  skip "no commit before \"$change_text\" in $change_file in this clone's history"
fi
if [[ "${1:-}" == --find ]]; then
  echo "$from"
  exit 0
fi
exec npx nx run pipeline-e2e:upgrade --output-style=stream
