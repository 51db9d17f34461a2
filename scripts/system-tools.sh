# shellcheck shell=bash
# ensure_system_tools: the command-line tools the test suite drives besides Node and Java:
#   promtool (Prometheus config check), kubectl (renders the Kubernetes overlays),
#   kcat (a Kafka client that is not ours, for the poison-message tests), chromium (the web page's
#   browser tests drive it headless; its path can be overridden with CHROMIUM_PATH).
# Installs missing ones with apt-get when it can (root on Debian/Ubuntu); otherwise says what to
# install and fails.
ensure_system_tools() {
  local missing=() packages=()
  command -v promtool >/dev/null 2>&1 || { missing+=(promtool); packages+=(prometheus); }
  command -v kubectl >/dev/null 2>&1 || { missing+=(kubectl); packages+=(kubernetes-client); }
  command -v kcat >/dev/null 2>&1 || { missing+=(kcat); packages+=(kcat); }
  [[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]] || { missing+=(chromium); packages+=(chromium); }
  [[ ${#missing[@]} -eq 0 ]] && return 0
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "› installing ${missing[*]} (apt-get install ${packages[*]})"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
    return 0
  fi
  echo "The tests need ${missing[*]}: install them (Debian/Ubuntu: sudo apt-get install ${packages[*]})." >&2
  return 1
}
