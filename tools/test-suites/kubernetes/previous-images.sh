#!/usr/bin/env bash
# The previous release's service images, for the cluster's rolling-upgrade test
# (src/4-rolling-upgrade.k8s.ts). The previous release (N−1) is the one the process-level upgrade
# test runs (tools/test-infra/rolling-upgrade.sh --find: the commit before the vehicle class).
# Its images (every service's but transaction's) are built as that release built them: its own
# tree (build-release.sh's, cached by commit) with its own Dockerfile, by the container test's
# build-images.sh, on the same base images as the new ones. They are named as the manifests name the services, tagged with the
# commit (ghcr.io/taxi-kafka/rides:<12 hex>), and kept as one OCI archive per commit in the cache:
# a released image does not change, so a warm run only loads the archive.
#
#   previous-images.sh
#
# Prints one tab-separated line: the commit, the tag and the archive (for the node's containerd).
# Exit codes: 0 built (or cached); 3 no previous release in this clone (or TAXI_SKIP_UPGRADE):
# the one line says why; 1 a build failed.
#
#   TAXI_CACHE_DIR  where slow things are cached (default ~/.cache/taxi-kafka): previous-images/
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
cd "$root"
cache="${TAXI_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/taxi-kafka}/previous-images"
# The services the upgrade rolls back to N−1: those the overlays deploy from this repository's
# Dockerfile but transaction, which stays on N (fleet_state 2, a new major: an N−1 pod can neither
# join N's co-partitioned group nor read its state; src/4-rolling-upgrade.k8s.ts, ADR 040).
apps=(rides email analytics web)
repository=ghcr.io/taxi-kafka

# rolling-upgrade.sh --find prints the commit, or its one line on why there is none.
found="$(bash tools/test-infra/rolling-upgrade.sh --find)"
if [[ ! "$found" =~ ^[0-9a-f]{40}$ ]]; then
  echo "${found#rolling upgrade: skipped, }"
  exit 3
fi
commit="$found"
tag="${commit:0:12}"
# Named by its images too: an archive of another set (the five of a clone before transaction
# stayed on N) is not this one.
archive="$cache/$commit-$(IFS=-; echo "${apps[*]}").tar"

mkdir -p "$cache"
exec 9>"$cache/$commit.lock"
flock -w 1800 9 || { echo "previous-images.sh: timed out waiting for another build of $commit" >&2; exit 1; }
if [[ ! -f "$archive" ]]; then
  echo "previous-images.sh: building ${apps[*]} of $commit (its Dockerfile) into $archive" >&2
  tree="$(bash tools/test-infra/stack-harness/build-release.sh "$commit")"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  for app in "${apps[@]}"; do
    printf 'app\t%s\t%s\t%s\n' "$app" "$app" "$repository/$app:$tag"
  done | bash "$root/tools/test-suites/containers/build-images.sh" --context "$tree" --oci "$work/oci" >&2
  tar -C "$work/oci" -cf "$archive.partial" .
  mv "$archive.partial" "$archive"
  # The archive is the cache: the copies in buildah's storage would only take room.
  for app in "${apps[@]}"; do buildah rmi "$repository/$app:$tag" >/dev/null 2>&1 || true; done
fi
printf '%s\t%s\t%s\n' "$commit" "$tag" "$archive"
