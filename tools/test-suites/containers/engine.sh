# shellcheck shell=bash
# A Docker engine and the image tools for the container test, on Debian/Ubuntu:
#   docker_engine_problem   prints, in one line, why no engine can be had here (nothing if one can)
#   ensure_container_tools  installs docker.io, buildah, debootstrap with apt-get when missing
#   ensure_docker_engine    starts dockerd by hand when none answers; stop_docker_engine stops it
# An engine that was already running is used and left running.
DOCKERD_STARTED_PID=""

docker_engine_problem() {
  if docker info >/dev/null 2>&1 && command -v buildah >/dev/null 2>&1 &&
    command -v debootstrap >/dev/null 2>&1; then
    return 0
  fi
  if [[ $(id -u) -ne 0 ]]; then
    echo "not root: cannot install or start a Docker engine, buildah and debootstrap here"
  elif ! command -v apt-get >/dev/null 2>&1 && ! command -v dockerd >/dev/null 2>&1; then
    echo "no dockerd, and no apt-get to install Debian's docker.io"
  elif [[ ! -e /proc/self/cgroup ]] || ! command -v unshare >/dev/null 2>&1; then
    echo "no cgroups or namespaces on this machine"
  fi
}

ensure_container_tools() {
  local packages=()
  command -v dockerd >/dev/null 2>&1 || packages+=(docker.io)
  command -v buildah >/dev/null 2>&1 || packages+=(buildah)
  command -v debootstrap >/dev/null 2>&1 || packages+=(debootstrap)
  [[ ${#packages[@]} -eq 0 ]] && return 0
  echo "› installing ${packages[*]} (apt-get)"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
}

# ensure_docker_engine LOG_FILE
ensure_docker_engine() {
  docker info >/dev/null 2>&1 && return 0
  echo "› starting dockerd (log: $1)"
  dockerd >"$1" 2>&1 &
  DOCKERD_STARTED_PID=$!
  local deadline=$((SECONDS + 60))
  until docker info >/dev/null 2>&1; do
    if ! kill -0 "$DOCKERD_STARTED_PID" 2>/dev/null || ((SECONDS > deadline)); then
      echo "dockerd did not come up; last lines of $1:" >&2
      tail -n 20 "$1" >&2
      DOCKERD_STARTED_PID=""
      return 1
    fi
    sleep 0.5
  done
}

stop_docker_engine() {
  [[ -n "$DOCKERD_STARTED_PID" ]] || return 0
  echo "› stopping the dockerd started here (pid $DOCKERD_STARTED_PID)"
  kill -TERM "$DOCKERD_STARTED_PID" 2>/dev/null || true
  wait "$DOCKERD_STARTED_PID" 2>/dev/null || true
  DOCKERD_STARTED_PID=""
}
