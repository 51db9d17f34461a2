# shellcheck shell=bash
# ensure_compose_v2: puts Docker Compose v2 where the docker CLI finds its plugins. Debian ships
# only Compose v1 (Python), which rejects newer compose-file keys, and no registry for the v2
# binary is reachable here: so it is built once from the Go module proxy and cached outside the
# repo. `go install ...@version` refuses the module (its go.mod has exclude directives); building
# inside a copy of the module's own directory works.
COMPOSE_VERSION="${COMPOSE_VERSION:-v2.40.3}"

ensure_compose_v2() {
  local cache="$1" plugins="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"
  local binary="$cache/compose-$COMPOSE_VERSION/docker-compose"
  if docker compose version >/dev/null 2>&1; then return 0; fi
  mkdir -p "$(dirname "$binary")"
  # One build at a time (two test runs starting together wait for each other).
  exec 7>"$(dirname "$binary")/.lock"
  flock -w 900 7 || { echo "timed out waiting for another build of Compose $COMPOSE_VERSION" >&2; return 1; }
  if [[ ! -x "$binary" ]]; then
    command -v go >/dev/null 2>&1 || { echo "Compose v2 is needed, and Go to build it" >&2; return 1; }
    echo "› building Docker Compose $COMPOSE_VERSION from the Go module proxy (once, about 3 min)"
    local module="github.com/docker/compose/v2@$COMPOSE_VERSION" work
    work="$(mktemp -d)"
    (cd "$work" && go mod download "$module") >&2
    cp -r "$(go env GOMODCACHE)/github.com/docker/compose/v2@$COMPOSE_VERSION" "$work/src"
    chmod -R u+w "$work/src"
    (cd "$work/src" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/docker/compose/v2/internal.Version=$COMPOSE_VERSION" -o "$binary.partial" ./cmd) >&2
    mv "$binary.partial" "$binary"
    rm -rf "$work"
  fi
  exec 7>&-
  mkdir -p "$plugins"
  ln -sf "$binary" "$plugins/docker-compose"
}
