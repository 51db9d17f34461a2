# shellcheck shell=bash
# ensure_node24: puts a Node 24 first on PATH. Uses the machine's node when it is 24; otherwise the
# official binary from the npm registry's node-linux-<arch> package, cached outside the repo.
ensure_node24() {
  if command -v node >/dev/null 2>&1 && [[ "$(node --version)" == v24.* ]]; then
    return 0
  fi
  local arch
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "Node 24 is needed and no prebuilt package exists for $(uname -m): install Node 24." >&2; return 1 ;;
  esac
  local cache="${TAXI_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/taxi-kafka}/node-24-$arch"
  local bin="$cache/node_modules/node-linux-$arch/bin"
  if [[ ! -x "$bin/node" ]]; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "Node 24 is needed: install it (or any Node with npm, which this script uses to fetch Node 24)." >&2
      return 1
    fi
    echo "› fetching Node 24 (npm package node-linux-$arch) into $cache"
    npm install --prefix "$cache" --no-save --no-audit --no-fund --loglevel=error "node-linux-$arch@24" >&2
  fi
  export PATH="$bin:$PATH"
  echo "› using node $(node --version) from $bin"
}
