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
# The Go this collector version needs (its go.mod says 1.26), if the machine has no Go 1.21+.
go_version=1.26.0
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
# Any Go 1.21+ fetches the toolchain the modules ask for by itself (GOTOOLCHAIN=auto). Without
# one, fetch that toolchain from the module proxy too: it serves Go as golang.org/toolchain.
if ! go version 2>/dev/null | grep -qE 'go1\.(2[1-9]|[3-9][0-9])'; then
  toolchain="v0.0.1-go$go_version.linux-$(uname -m | sed 's/x86_64/amd64/;s/aarch64/arm64/')"
  if [[ ! -x "$cache/go/bin/go" ]]; then
    echo "› fetching Go $go_version from the Go module proxy" >&2
    curl -fsSL -o "$cache/go.zip" "https://proxy.golang.org/golang.org/toolchain/@v/$toolchain.zip"
    rm -rf "$cache/go" "$cache/unzipped"
    unzip -q "$cache/go.zip" -d "$cache/unzipped"
    mv "$cache/unzipped/golang.org/toolchain@$toolchain" "$cache/go"
    rm -rf "$cache/go.zip" "$cache/unzipped"
    # Module zips keep no file modes.
    chmod +x "$cache/go/bin/"* "$cache/go/pkg/tool/"*/*
  fi
  export PATH="$cache/go/bin:$PATH" GOTOOLCHAIN=local
fi
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
