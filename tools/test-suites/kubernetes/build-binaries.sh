#!/usr/bin/env bash
# Builds what the test cluster runs and Debian does not ship, once, into a cache outside the repo:
#   kube     upstream Kubernetes as one multi-call binary (build/kube: kube-apiserver,
#            kube-controller-manager, kube-scheduler, kubelet, kube-proxy and kubectl, reached
#            through the symlinks beside it), from the Go module proxy;
#   coredns  CoreDNS with only the plugins the cluster needs (build/coredns);
#   pause    the pod sandbox's pause process, from the Kubernetes module's own pause.c.
# The cache folder is keyed by the Kubernetes version and a hash of what the build reads (go.mod,
# go.sum, main.go, the versions and flags below, the Go version), so a change to any of them
# builds anew; a change to this script's comments does not.
# A lock keeps two runs from building at once; the second waits and then finds the cache.
# Prints the folder of the binaries on stdout; progress and timings go to stderr.
# Why and what it costs: docs/decisions/041-real-kubernetes-test.md.
#
#   TAXI_CACHE_DIR  the cache (default ~/.cache/taxi-kafka)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${TAXI_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/taxi-kafka}"
# shellcheck source=scripts/go-toolchain.sh
source "$here/../../../scripts/go-toolchain.sh"
k8s_version=v1.37.2
coredns_version=v1.14.7
pause_version=3.10
version_flags=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  version_flags+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=37"
  version_flags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done
# The Go caches of this build live beside its output, not in the user's: a cold build is cold
# whatever else the machine built, and removing the cache folder frees all of it.
export GOMODCACHE="$cache/k8s-go/mod" GOCACHE="$cache/k8s-go/build" GOFLAGS=-mod=readonly CGO_ENABLED=0

ensure_go
key="$(cat "$here"/build/kube/{go.mod,go.sum,main.go} "$here"/build/coredns/{go.mod,go.sum,main.go} \
  <(echo "$k8s_version $coredns_version $pause_version $version_flags $CGO_ENABLED") \
  <(cd "$here/build/kube" && go version) | sha256sum | cut -c1-12)"
out="$cache/kubernetes-$k8s_version-$key"
mkdir -p "$cache"

if [[ ! -x "$out/bin/kube" ]]; then
  exec 9>"$cache/kubernetes-build.lock"
  flock -n 9 || {
    echo "kubernetes: another run is building; waiting for its lock" >&2
    flock 9
  }
fi
# Checked again under the lock: another run may have built it while this one waited.
if [[ -x "$out/bin/kube" ]]; then
  echo "$out/bin"
  exit 0
fi

started=$SECONDS
tmp="$out.tmp.$$"
rm -rf "$tmp"
mkdir -p "$tmp/bin"
trap 'rm -rf "$tmp"' EXIT

echo "kubernetes: building $k8s_version (cold: ~1,000 CPU s, ~3 GB of memory)" >&2
(cd "$here/build/kube" && go build -trimpath -ldflags "-s -w$version_flags" -o "$tmp/bin/kube" .)
for name in kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl; do
  ln -s kube "$tmp/bin/$name"
done

echo "kubernetes: building CoreDNS $coredns_version" >&2
(cd "$here/build/coredns" && go build -trimpath -ldflags "-s -w" -o "$tmp/bin/coredns" .)

# pause.c sits in the Kubernetes module the first build downloaded.
kube_dir="$(cd "$here/build/kube" && go list -m -f '{{.Dir}}' k8s.io/kubernetes)"
gcc -Os -static -DVERSION="v$pause_version" -o "$tmp/bin/pause" "$kube_dir/build/pause/linux/pause.c"
strip "$tmp/bin/pause"

rm -rf "$out"
mv "$tmp" "$out"
trap - EXIT
echo "kubernetes: built in $((SECONDS - started)) s wall into $out" >&2
echo "$out/bin"
