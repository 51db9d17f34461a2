#!/usr/bin/env bash
# `npm start`: builds the four services and the web page, starts the local Kafka broker (unless
# KAFKA_BROKERS points at one), runs them with prefixed, readable logs, and prints how to try it.
# `npm run demo` (DEMO=1) also runs a stream of ride requests. Ctrl-C stops everything cleanly.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../../.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false

# The broker comes from tools/dev-env/with-kafka.sh, which runs this script again with KAFKA_BROKERS set.
[[ -n "${KAFKA_BROKERS:-}" ]] || exec bash tools/dev-env/with-kafka.sh bash tools/dev-env/stack/start.sh "$@"

npx nx run-many -t build --projects=rides,transaction,email,analytics,web --output-style=static
export LOG_FORMAT="${LOG_FORMAT:-pretty}"
# State in the checkout, not in the images' /var/lib/taxi defaults: rides' read model, and the
# emails as .eml files when no SMTP_URL is set.
export RIDES_STORE_DIR="${RIDES_STORE_DIR:-tmp/rides-store}" OUTBOX_DIR="${OUTBOX_DIR:-.outbox}"

cat <<TXT

  web page       http://localhost:3004   (book a ride, watch the system)
  rides API      http://localhost:3000   (POST /rides, GET /rides/{id})
  analytics      http://localhost:3003/stats
  ops            /healthz /readyz /metrics on ports 3000-3004
  emails         ${SMTP_URL:-written as .eml files to ./.outbox (set SMTP_URL to send them)}
  Kafka          ${KAFKA_BROKERS}

  Try it:
    curl -i -X POST http://localhost:3000/rides -H 'content-type: application/json' -d '{
      "customerId": "cust-42", "customerEmail": "ada@example.com",
      "pickup": {"lat": 40.7359, "lng": -73.9911}, "dropoff": {"lat": 40.6782, "lng": -73.9442},
      "passengers": 1, "paymentToken": "tok_visa"}'

TXT

names=rides,transaction,email,analytics,web
# Each service as its image runs it: node with the runtime profile (deploy/runtime, ADR 034). No
# memory limit here, so the heap is sized from the machine's memory, as any Node process's is.
node="sh deploy/runtime/with-profile.sh node"
commands=("$node dist/apps/rides/main.js" "$node dist/apps/transaction/main.js"
  "$node dist/apps/email/main.js" "$node dist/apps/analytics/main.js" "$node dist/apps/web/main.js")
if [[ -n "${DEMO:-}" ]]; then
  names="$names,demo"
  commands+=("node tools/dev-env/demo/ride-stream.ts")
fi
npx concurrently --names "$names" --prefix-colors "cyan,magenta,yellow,green,white,blue" \
  --kill-others --kill-signal SIGTERM --timings=false "${commands[@]}"
