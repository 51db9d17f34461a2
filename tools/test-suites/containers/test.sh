#!/usr/bin/env bash
# `npm run test:containers`: the project as most users meet it, `docker compose up`, for real.
# Builds every image docker-compose.yml names (the apps from the Dockerfile, stand-ins for the
# third-party images no registry here can give, tools/test-suites/containers/stand-ins), runs the compose
# file with only the image names and host ports overridden, and checks it end to end
# (src/compose-stack.containers.ts).
# Design and limits: docs/decisions/013-container-test.md.
#
# Needs a Docker engine, buildah and debootstrap: installed with apt-get and dockerd started by
# hand (and stopped again) when run as root on Debian/Ubuntu. When no engine can be had, says why
# in one line and exits 0, so the rest of the test command still runs.
#
#   TAXI_CACHE_DIR        where slow things are cached (default ~/.cache/taxi-kafka): the Compose
#                         v2 binary, the Debian rootfs, Node; buildah keeps its layer cache itself.
#   TAXI_SKIP_CONTAINERS  set to skip this step (it says so), e.g. on a laptop in a hurry.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
here="$root/tools/test-suites/containers"
cd "$root"
cache="${TAXI_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/taxi-kafka}"
work="$root/tmp/containers"
project=taxi-kafka-containers-test
# shellcheck source=tools/test-suites/containers/engine.sh
source "$here/engine.sh"
# shellcheck source=tools/test-suites/containers/compose-v2.sh
source "$here/compose-v2.sh"
# shellcheck source=tools/test-suites/containers/stand-ins.sh
source "$here/stand-ins.sh"

skip() {
  echo "containers: skipped, $*"
  exit 0
}
[[ -z "${TAXI_SKIP_CONTAINERS:-}" ]] || skip "TAXI_SKIP_CONTAINERS is set"
started=$SECONDS
problem="$(docker_engine_problem)"
[[ -z "$problem" ]] || skip "$problem"
ensure_container_tools >/dev/null 2>&1 || skip "apt-get could not install docker.io, buildah and debootstrap"
mkdir -p "$cache" "$work"
trap stop_docker_engine EXIT
ensure_docker_engine "$work/dockerd.log" >/dev/null ||
  skip "dockerd does not start here: $(grep -m1 -iE 'level=(fatal|error)' "$work/dockerd.log" | cut -c1-200)"
# The cold path's slow steps side by side: Compose v2 (a Go build, CPU) here, while the Debian
# base (debootstrap, mostly download) and the OpenTelemetry Collector of the Jaeger stand-in (the
# one the test command has built already, else a Go build too) run in the background.
build_debian_base "$cache" >"$work/debian-base.log" 2>&1 &
debian_base=$!
bash tools/test-infra/otel/build-collector.sh >/dev/null 2>"$work/collector.log" &
collector=$!
ensure_compose_v2 "$cache"
wait "$debian_base" || { cat "$work/debian-base.log" >&2; exit 1; }
# A failed collector build is built again, with its error shown, by the stand-in that needs it.
wait "$collector" || true
setup_seconds=$((SECONDS - started))

compose=(docker compose --project-name "$project" -f docker-compose.yml -f "$work/override.yaml")
# Whatever happens from here on, nothing of the test stack is left behind.
trap '"${compose[@]}" down --volumes --timeout 5 >/dev/null 2>&1 || true; stop_docker_engine' EXIT

plan="$(docker compose -f docker-compose.yml config --format json |
  node --disable-warning=MODULE_TYPELESS_PACKAGE_JSON "$here/src/plan-cli.ts" "$work")"

echo "› building images (buildah; cache in $cache)"
build_started=$SECONDS
BUILT_IMAGES_FILE="$work/built-images.txt" bash "$here/build-images.sh" --docker <<<"$plan"
mapfile -t built <"$work/built-images.txt"
build_seconds=$((SECONDS - build_started))

{
  printf '  %-48s %s\n' image size
  for image in "${built[@]}"; do
    printf '  %-48s %s MB\n' "$image" "$(($(docker image inspect --format '{{.Size}}' "$image") / 1000000))"
  done
} >"$work/image-sizes.txt"

echo "› docker compose up, then the checks (project $project)"
status=0
TAXI_CONTAINERS_WORK="$work" TAXI_CONTAINERS_PROJECT="$project" \
  npx jest -c "$here/jest.containers.config.js" || status=$?

echo "› figures"
echo "  setup (engine, tools, Compose v2, Debian base, collector): ${setup_seconds}s; image builds: ${build_seconds}s"
cat "$work/image-sizes.txt"
[[ ! -f "$work/figures.txt" ]] || cat "$work/figures.txt"
echo "  whole containers step: $((SECONDS - started))s"
exit "$status"
