#!/usr/bin/env bash
# Builds the images a test needs with buildah, for the container test (test.sh) and the cluster
# test (tools/test-suites/kubernetes): one build serves both, and buildah's layer cache makes the
# second call cheap. Reads a plan on stdin, one tab-separated line per image, as
# `plan-cli.ts` prints it:
#   app       SERVICE  APP         IMAGE                       (the Dockerfile with APP)
#   stand-in  SERVICE  STAND-IN    IMAGE  REPLACED-IMAGE       (stand-ins/STAND-IN)
#   left-out  SERVICE  WHY                                     (printed, not built)
# Options say where the images go besides buildah's own storage:
#   --docker      into the running Docker engine (the container test)
#   --oci DIR     into one OCI image layout DIR, layers uncompressed and shared between images,
#                 each named as the manifests name it: an app as IMAGE, a stand-in as the image it
#                 replaces (the cluster test loads DIR into the node's containerd)
#   --context DIR an app from DIR, a tree of another commit of this repository, with that tree's
#                 own Dockerfile (the cluster test's previous release, previous-images.sh); no
#                 build key: the caller caches what it built
# Prints one line per image, and the images built, one per line, into $BUILT_IMAGES_FILE if set.
#
#   TAXI_CACHE_DIR  where slow inputs are cached (default ~/.cache/taxi-kafka)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
cache="${TAXI_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/taxi-kafka}"
# shellcheck source=tools/test-suites/containers/stand-ins.sh
source "$here/stand-ins.sh"

to_docker=""
oci=""
context=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --docker) to_docker=1 ;;
    --oci)
      oci="$2"
      shift
      ;;
    --context)
      context="$(cd "$2" && pwd)"
      shift
      ;;
    *)
      echo "usage: build-images.sh [--docker] [--oci DIR] [--context DIR] < plan" >&2
      exit 2
      ;;
  esac
  shift
done
export BUILDAH_IMAGE_TO_DOCKER="$to_docker"
cd "$root"
mkdir -p "$cache"

# A name as a container runtime resolves it: docker.io/ and library/ spelled out.
full_name() {
  case "$1" in
    */*/* | localhost/*) echo "$1" ;;
    */*) [[ "${1%%/*}" == *.* || "${1%%/*}" == *:* ]] && echo "$1" || echo "docker.io/$1" ;;
    *) echo "docker.io/library/$1" ;;
  esac
}

export_oci() {
  local image="$1" name
  name="$(full_name "$2")"
  # containerd names an image of an OCI archive by its io.containerd.image.name annotation; the
  # OCI ref name (a tag only, by the spec) is the key in the layout.
  buildah push --quiet --disable-compression "$image" "oci:$oci:$name" >/dev/null
  node -e '
    const fs = require("node:fs"), [file, name] = process.argv.slice(1);
    const index = JSON.parse(fs.readFileSync(file, "utf8"));
    for (const m of index.manifests)
      if (m.annotations?.["org.opencontainers.image.ref.name"] === name)
        m.annotations["io.containerd.image.name"] = name;
    fs.writeFileSync(file, JSON.stringify(index));
  ' "$oci/index.json" "$name"
}

# What an app image is built from, hashed: the files the Dockerfile copies (libs, apps, patches, the
# healthcheck and the runtime profile, as .dockerignore leaves them; more files than that only cost
# a needless build), the Dockerfile, the base image's id and whether the CA secret is given. The
# app's name is added per image.
apps_build_key() {
  {
    buildah images --no-trunc --format '{{.ID}}' localhost/taxi-stand-in/node:24-bookworm-slim | head -n 1
    echo "ca:${NODE_EXTRA_CA_CERTS:+yes}"
    sha256sum Dockerfile .dockerignore package.json package-lock.json nx.json tsconfig.base.json deploy/docker/* \
      deploy/runtime/*
    find libs apps patches -type f -not -path '*/node_modules/*' -not -path 'apps/pipeline-e2e/*' \
      -not -name '*.spec.ts' -not -name '*.int.test.ts' -not -name README.md -print0 |
      sort -z | xargs -0 sha256sum
  } | sha256sum | cut -c1-16
}

if [[ -n "$oci" ]]; then
  rm -rf "$oci"
  mkdir -p "$(dirname "$oci")"
fi
built=()
base_built=""
while IFS=$'\t' read -r kind service name image replaces; do
  [[ -n "$kind" ]] || continue
  if [[ "$kind" != left-out && -z "$base_built" ]]; then
    build_debian_base "$cache"
    build_node_base "$cache"
    base_built=1
    [[ -n "$context" ]] || apps_key="$(apps_build_key)"
  fi
  case "$kind" in
    stand-in)
      build_stand_in "$name" "$image" "$cache"
      echo "  $service: $image (stand-in for $replaces)"
      [[ -z "$oci" ]] || export_oci "$image" "$replaces"
      ;;
    app)
      secret=()
      [[ -z "${NODE_EXTRA_CA_CERTS:-}" ]] || secret=(--secret "id=ca,src=$NODE_EXTRA_CA_CERTS")
      key=""
      [[ -n "$context" ]] || key="$apps_key-$name"
      BUILD_KEY="$key" buildah_image "$image" "${secret[@]}" \
        --build-arg "APP=$name" --build-arg NODE_IMAGE=localhost/taxi-stand-in/node:24-bookworm-slim \
        "${context:-.}"
      echo "  $service: $image (${context:+$context/}Dockerfile, APP=$name)"
      [[ -z "$oci" ]] || export_oci "$image" "$image"
      ;;
    left-out)
      echo "  $service: left out: $name"
      continue
      ;;
    *)
      echo "build-images.sh: unknown kind '$kind' in the plan" >&2
      exit 2
      ;;
  esac
  built+=("$image")
done
[[ -z "${BUILT_IMAGES_FILE:-}" ]] || printf '%s\n' "${built[@]}" >"$BUILT_IMAGES_FILE"
