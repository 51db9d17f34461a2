#!/usr/bin/env bash
# Builds the OpenTelemetry Collector of builder-config.yaml once and caches it outside the repo;
# prints the binary's path. Needs only the Go module proxy (and curl, unzip when the machine has no
# Go 1.21+: Go itself is fetched from the proxy then). Later runs return at once.
#
#   bash tools/test-infra/otel/build-collector.sh      # → ~/.cache/taxi-kafka/otelcol-<version>/otelcol-taxi
#
# The collector builder (ocb) generates the sources; the module is then resolved with `go get` and
# built with `go build`, not with the builder's own `go mod tidy`: tidy also fetches the
# components' test-only dependencies, some of which the module proxy does not serve.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
config="$here/builder-config.yaml"
version="$(sed -n 's/^  version: //p' "$config")"
cache="${TAXI_CACHE_DIR:-$HOME/.cache/taxi-kafka}/otelcol-$version"
binary="$cache/otelcol-taxi"
# A changed config (another component) must not reuse a binary built from the old one.
stamp="$cache/builder-config.sha256"
wanted="$(sha256sum "$config" | cut -d' ' -f1)"
if [[ -x "$binary" && -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
  echo "$binary"
  exit 0
fi
echo "› building the OpenTelemetry Collector $version (once, into $cache)" >&2
mkdir -p "$cache"
# shellcheck source=scripts/go-toolchain.sh
source "$here/../../../scripts/go-toolchain.sh"
ensure_go
export GOBIN="$cache/bin" GOFLAGS=-buildvcs=false CGO_ENABLED=0
go install "go.opentelemetry.io/collector/cmd/builder@v$version" >&2
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
sed "s|^dist:|dist:\n  output_path: $work/src|" "$config" >"$work/builder-config.yaml"
(
  cd "$work"
  "$GOBIN/builder" --config builder-config.yaml --skip-compilation --skip-get-modules
  cd src
  go mod init otelcol-taxi
  # shellcheck disable=SC2046 # one argument per component: module@version
  go get $(sed -n 's/^  - gomod: \([^ ]*\) \(.*\)$/\1@\2/p' "$config")
  go get .
  go build -trimpath -ldflags=-s -o otelcol-taxi .
) >"$work/build.log" 2>&1 || {
  grep -v '^go: downloading' "$work/build.log" | tail -40 >&2
  exit 1
}
mv "$work/src/otelcol-taxi" "$binary"
echo "$wanted" >"$stamp"
echo "$binary"
