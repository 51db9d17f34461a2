#!/usr/bin/env bash
# `npm run test:k8s`: the Kubernetes manifests on a real cluster. Builds upstream Kubernetes once
# (build-binaries.sh, cached outside the repo), the images with the container test's script (one
# build serves both), starts a single-node cluster of its own (cluster.sh, in tmp/k8s), applies
# k8s/overlays/dev as it is, and runs the cluster suite (src/*.k8s.ts): the pods run as the
# manifests say, a ride goes through, day-2 operations under load lose and double nothing, and
# k8s/overlays/prod passes a server-side dry run. The day-2 operations include a rolling upgrade
# between the previous release's images and the new ones (previous-images.sh builds those once per
# release, cached); a clone without that release (a shallow one whose history cannot be fetched)
# leaves the upgrade out, saying why in one line, and the rest runs. Stops and removes everything
# it started, by pid, also when a step fails. Design and limits:
# docs/decisions/041-real-kubernetes-test.md.
#
# Needs root on Debian/Ubuntu (it installs etcd, containerd, runc, the CNI plugins and buildah
# with apt-get, and makes a bridge, iptables rules and cgroups). Where no cluster can be had,
# says why in one line and exits 0, so that the rest of the test command still runs.
#
#   TAXI_CACHE_DIR    where slow things are cached (default ~/.cache/taxi-kafka)
#   TAXI_SKIP_K8S     set to skip this step (it says so)
#   TAXI_K8S_LONG     set for the longer day-2 runs (more rides per operation, every service
#                     evicted, not just transaction)
#   TAXI_K8S_KEEP     set to leave the cluster running after the suite, for a look around
#                     (then: bash tools/test-suites/kubernetes/cluster.sh down tmp/k8s/cluster BIN)
#   TAXI_K8S_TESTS    the numbers of the suite's files to run, e.g. '1 4' for 1-dev-overlay and
#                     4-rolling-upgrade (1 applies the overlay every later file runs on)
#   TAXI_SKIP_UPGRADE set to leave the rolling upgrade out (as it skips npm run test:upgrade)
#
#   test.sh --prebuild  only builds the binaries, at the lowest CPU priority, where a cluster can be
#                       had; `npm test` starts it in the background at its first step, so that a cold
#                       run builds Kubernetes in the CPU the earlier steps leave idle (the int tests
#                       mostly wait on Kafka). The suite's own build then waits on its lock.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
cd "$root"
cache="${TAXI_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/taxi-kafka}"
work="$root/tmp/k8s"
containers="$root/tools/test-suites/containers"

skip() {
  echo "kubernetes: skipped, $*"
  exit 0
}
[[ -z "${TAXI_SKIP_K8S:-}" ]] || skip "TAXI_SKIP_K8S is set"

# Why no cluster can be had here, in one line (nothing when one can).
cluster_problem() {
  if [[ "$(uname -s)" != Linux ]]; then
    echo "a cluster of host processes needs Linux (this is $(uname -s))"
  elif [[ $(id -u) -ne 0 ]]; then
    echo "not root: a cluster needs a bridge, iptables rules, mounts and cgroups"
  elif ! command -v apt-get >/dev/null 2>&1; then
    echo "no apt-get: etcd, containerd, runc and the CNI plugins come from Debian/Ubuntu packages"
  elif [[ ! -d /sys/fs/cgroup/memory && ! -f /sys/fs/cgroup/cgroup.controllers ]]; then
    echo "no cgroups on this machine"
  elif ip link show taxik8s0 >/dev/null 2>&1; then
    echo "the bridge taxik8s0 exists: another cluster test runs on this machine ($(cat /sys/class/net/taxik8s0/ifalias 2>/dev/null))"
  elif ip -4 route show | grep -qE '^10\.(244|96)\.'; then
    echo "10.244.0.0/16 or 10.96.0.0/16 is routed here already: $(ip -4 route show | grep -m1 -E '^10\.(244|96)\.')"
  fi
}

ensure_packages() {
  local packages=() command package
  for pair in etcd:etcd-server containerd:containerd runc:runc ctr:containerd iptables:iptables \
    conntrack:conntrack buildah:buildah debootstrap:debootstrap gcc:gcc curl:curl unzip:unzip openssl:openssl; do
    command="${pair%%:*}" package="${pair#*:}"
    command -v "$command" >/dev/null 2>&1 || packages+=("$package")
  done
  [[ -x /usr/lib/cni/bridge && -x /usr/lib/cni/firewall ]] || packages+=(containernetworking-plugins)
  [[ -f /usr/lib/x86_64-linux-gnu/libc.a || -f /usr/lib/aarch64-linux-gnu/libc.a ]] || packages+=(libc6-dev)
  [[ ${#packages[@]} -eq 0 ]] && return 0
  echo "› installing ${packages[*]} (apt-get)"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
}

problem="$(cluster_problem)"
if [[ "${1:-}" == --prebuild ]]; then
  [[ -z "$problem" ]] || exit 0
  ensure_packages || exit 0
  exec nice -n 19 bash "$here/build-binaries.sh"
fi
[[ -z "$problem" ]] || skip "$problem"
started=$SECONDS
ensure_packages || skip "apt-get could not install the cluster's packages (etcd-server, containerd, runc, containernetworking-plugins, buildah)"
rm -rf "$work"
mkdir -p "$work/images"

# The slow part of a cold run, Kubernetes' build (~1,000 CPU s), beside the image builds.
echo "› Kubernetes binaries (cache in $cache)"
bash "$here/build-binaries.sh" >"$work/bin-dir" 2>"$work/build-binaries.log" &
binaries=$!

echo "› images (buildah; the container test's build)"
images_started=$SECONDS
node=(node --disable-warning=MODULE_TYPELESS_PACKAGE_JSON)
plan="$("${node[@]}" "$here/src/manifest-images-cli.ts" k8s/overlays/dev | "${node[@]}" "$containers/src/plan-cli.ts" --images)"
bash "$containers/build-images.sh" --oci "$work/images/oci" <<<"$plan"
images_seconds=$((SECONDS - images_started))

echo "› the previous release's images (the rolling upgrade; cache in $cache/previous-images)"
previous_started=$SECONDS
previous_status=0
previous="$(bash "$here/previous-images.sh")" || previous_status=$?
jest_args=()
case "$previous_status" in
  0) IFS=$'\t' read -r previous_commit previous_tag previous_archive <<<"$previous" ;;
  3)
    echo "kubernetes: the rolling upgrade is left out, $previous"
    previous_commit="" previous_tag="" previous_archive=""
    jest_args+=(--testPathIgnorePatterns '/4-rolling-upgrade\.k8s\.ts$')
    ;;
  *)
    echo "kubernetes: building the previous release's images failed" >&2
    exit 1
    ;;
esac
previous_seconds=$((SECONDS - previous_started))
[[ -z "${TAXI_K8S_TESTS:-}" ]] || jest_args+=(--testPathPatterns "/(${TAXI_K8S_TESTS// /|})-[^/]*\.k8s\.ts\$")

# Strimzi's CRDs, for the prod overlay's server-side dry run (generated once, then cached).
strimzi_crds="$(bash "$here/strimzi/strimzi-crds.sh")"

if ! wait "$binaries"; then
  grep -v '^go: downloading' "$work/build-binaries.log" | tail -n 30 >&2
  echo "kubernetes: building the binaries failed (log: $work/build-binaries.log)" >&2
  exit 1
fi
bin="$(cat "$work/bin-dir")"
export PATH="$bin:$PATH"

# The pod sandbox's image, from the pause binary, in a buildah storage of this run's own.
pause_image=localhost/taxi-k8s/pause:3.10
buildah_own=(buildah --root "$work/buildah/root" --runroot "$work/buildah/run" --storage-driver vfs)
container="$("${buildah_own[@]}" from scratch)"
"${buildah_own[@]}" copy --quiet "$container" "$bin/pause" /pause >/dev/null
"${buildah_own[@]}" config --entrypoint '["/pause"]' --user 65535:65535 "$container"
"${buildah_own[@]}" commit --quiet --rm "$container" "$pause_image" >/dev/null
"${buildah_own[@]}" push --quiet "$pause_image" "docker-archive:$work/images/pause.tar:$pause_image" >/dev/null
"${buildah_own[@]}" rmi --all >/dev/null
tar -C "$work/images/oci" -cf "$work/images/manifests.tar" .
rm -rf "$work/images/oci" "$work/buildah"

echo "› cluster up (tmp/k8s/cluster)"
cluster_started=$SECONDS
cluster_down() {
  local status=$?
  if [[ -n "${TAXI_K8S_KEEP:-}" ]]; then
    echo "› cluster left running (TAXI_K8S_KEEP): KUBECONFIG=$work/cluster/admin.kubeconfig"
    echo "  stop it: bash tools/test-suites/kubernetes/cluster.sh down $work/cluster $bin"
  else
    echo "› cluster down"
    bash "$here/cluster.sh" down "$work/cluster" "$bin" || true
  fi
  exit "$status"
}
trap cluster_down EXIT
trap 'exit 130' INT TERM
bash "$here/cluster.sh" up "$work/cluster" "$bin" "$work/images/pause.tar" "$work/images/manifests.tar"
cluster_seconds=$((SECONDS - cluster_started))
rm -f "$work/images/"*.tar
load_seconds=0
if [[ -n "$previous_archive" ]]; then
  load_started=$SECONDS
  bash "$here/cluster.sh" load "$work/cluster" "$bin" "$previous_archive"
  load_seconds=$((SECONDS - load_started))
fi

echo "› the cluster suite"
status=0
KUBECONFIG="$work/cluster/admin.kubeconfig" TAXI_K8S_WORK="$work" TAXI_K8S_STRIMZI_CRDS="$strimzi_crds" \
  TAXI_K8S_PREVIOUS_COMMIT="$previous_commit" TAXI_K8S_PREVIOUS_TAG="$previous_tag" \
  npx jest -c "$here/jest.k8s.config.js" "${jest_args[@]}" || status=$?
if ((status != 0)); then
  # The cluster goes down next, and the kubelet's pod logs with it: keep what explains a failure.
  failed="$work/failed"
  mkdir -p "$failed"
  export KUBECONFIG="$work/cluster/admin.kubeconfig"
  kubectl get events -A --sort-by=.lastTimestamp >"$failed/events.txt" 2>&1 || true
  kubectl get pods -A -o wide >"$failed/pods.txt" 2>&1 || true
  # Restart counts and each container's last exit (a CrashLoopBackOff's code and reason).
  kubectl describe pods -n taxi-kafka >"$failed/pods-described.txt" 2>&1 || true
  for pod in $(kubectl get pods -n taxi-kafka -o name 2>/dev/null); do
    kubectl logs -n taxi-kafka "$pod" --all-containers --timestamps >"$failed/${pod#pod/}.log" 2>&1 || true
    kubectl logs -n taxi-kafka "$pod" --all-containers --timestamps --previous \
      >"$failed/${pod#pod/}.previous.log" 2>/dev/null || rm -f "$failed/${pod#pod/}.previous.log"
  done
  echo "› the cluster's events and its pods' logs: $failed"
fi

echo "› figures"
echo "  images (build, export): ${images_seconds}s; the previous release's (built or cached): ${previous_seconds}s"
echo "  cluster up, images loaded: ${cluster_seconds}s; the previous release's loaded: ${load_seconds}s"
[[ ! -f "$work/figures.txt" ]] || cat "$work/figures.txt"
echo "  whole kubernetes step, before clean-up: $((SECONDS - started))s"
exit "$status"
