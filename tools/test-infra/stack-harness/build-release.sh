#!/usr/bin/env bash
# Builds the services of another commit of this repository (a release to run beside the working
# tree's, as the rolling-upgrade test does) once, cached outside the repo keyed by commit, and
# prints the folder whose dist/apps/<app>/main.js are that commit's services.
#
#   build-release.sh <commit>
#
# The commit's files come from `git archive` (no worktree registered in the repository). Its
# node_modules are the workspace's when its package-lock.json is the same (re-linked on every use,
# so the cache never points at a workspace that is gone), else its own `npm ci`. Concurrent runs
# wait for one build under a lock.
#
#   TAXI_CACHE_DIR  where builds are cached (default ~/.cache/taxi-kafka): releases/<commit>
# Exit codes: 0 built (or cached), 1 the build failed, 2 usage or an unknown commit.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
workspace="$(cd "$here/../../.." && pwd)"
[[ $# -eq 1 ]] || { echo "usage: build-release.sh <commit>" >&2; exit 2; }
commit="$(git -C "$workspace" rev-parse --verify --quiet "$1^{commit}")" ||
  { echo "build-release.sh: no commit $1 in $workspace (a shallow clone?)" >&2; exit 2; }
cache="${TAXI_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/taxi-kafka}/releases"
release="$cache/$commit"
apps=(rides transaction email analytics)

link_modules() {
  if cmp -s <(git -C "$workspace" show "$commit:package-lock.json") "$workspace/package-lock.json"; then
    [[ -d "$release/node_modules" && ! -L "$release/node_modules" ]] && rm -rf "$release/node_modules"
    ln -sfn "$workspace/node_modules" "$release/node_modules"
  elif [[ ! -d "$release/node_modules" || -L "$release/node_modules" ]]; then
    rm -f "$release/node_modules"
    (cd "$release" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error) >&2
  fi
}

mkdir -p "$cache"
exec 9>"$cache/$commit.lock"
flock -w 900 9 || { echo "build-release.sh: timed out waiting for another build of $commit" >&2; exit 1; }
if [[ ! -f "$release/.built" ]]; then
  echo "build-release.sh: building ${apps[*]} of $commit into $release" >&2
  rm -rf "$release"
  mkdir -p "$release"
  git -C "$workspace" archive "$commit" | tar -x -C "$release"
  link_modules
  (cd "$release" && NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false NX_SKIP_NX_CACHE=true \
    npx nx run-many -t build -p "${apps[@]}" --output-style=static) >&2 ||
    { echo "build-release.sh: the build of $commit failed" >&2; exit 1; }
  touch "$release/.built"
else
  link_modules
fi
echo "$release"
