# shellcheck shell=bash
# ensure_go: puts a Go 1.21+ first on PATH. Uses the machine's go when it is 1.21 or newer:
# such a go fetches the toolchain a go.mod asks for by itself (GOTOOLCHAIN=auto). Without one,
# fetches Go 1.26.0 from the Go module proxy, which serves Go as the module golang.org/toolchain,
# cached outside the repo (needs curl and unzip). Used by the builds of the OpenTelemetry Collector and of
# Kubernetes for the tests.
ensure_go() {
  local version=1.26.0 toolchain dir
  dir="${TAXI_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/taxi-kafka}/go-$version"
  go version 2>/dev/null | grep -qE 'go1\.(2[1-9]|[3-9][0-9])' && return 0
  toolchain="v0.0.1-go$version.linux-$(uname -m | sed 's/x86_64/amd64/;s/aarch64/arm64/')"
  if [[ ! -x "$dir/go/bin/go" ]]; then
    echo "› fetching Go $version from the Go module proxy" >&2
    mkdir -p "$dir"
    curl -fsSL -o "$dir/go.zip" "https://proxy.golang.org/golang.org/toolchain/@v/$toolchain.zip"
    rm -rf "$dir/go" "$dir/unzipped"
    unzip -q "$dir/go.zip" -d "$dir/unzipped"
    mv "$dir/unzipped/golang.org/toolchain@$toolchain" "$dir/go"
    rm -rf "$dir/go.zip" "$dir/unzipped"
    # Module zips keep no file modes.
    chmod +x "$dir/go/bin/"* "$dir/go/pkg/tool/"*/*
  fi
  export PATH="$dir/go/bin:$PATH" GOTOOLCHAIN=local
}
