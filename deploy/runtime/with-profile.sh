#!/bin/sh
# Runs a command, a service's `node main.js`, with the runtime profile (profile.env, next to this
# script) in its environment: each of its variables that the environment does not set already;
# when the command is node, NODE_V8_FLAGS go on its command line.
# exec, so the command keeps this process: in a container it is PID 1, and SIGTERM reaches it.
#   sh deploy/runtime/with-profile.sh node dist/apps/rides/main.js
set -eu
profile="$(dirname "$0")/profile.env"
while IFS= read -r line || [ -n "$line" ]; do
  case "$line" in
    '' | '#'*) continue ;;
  esac
  name="${line%%=*}"
  case "$name" in
    '' | [0-9]* | *[!A-Za-z0-9_]*)
      echo "$profile: not NAME=value: $line" >&2
      exit 2
      ;;
  esac
  eval "already=\${$name+set}"
  [ -n "$already" ] || export "$line"
done <"$profile"
# NODE_V8_FLAGS: flags Node accepts on its command line only, given right after `node`.
case "${1:-}" in
  node | */node) node="$1" && shift && set -- "$node" ${NODE_V8_FLAGS:-} "$@" ;;
esac
exec "$@"
