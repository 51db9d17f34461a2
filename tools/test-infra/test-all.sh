#!/usr/bin/env bash
# `npm test`: formatting, lint (module boundaries enforced), types, unit tests, integration and
# end-to-end tests against a real Kafka broker and, beside them, the broker faults on a 3-node
# cluster of their own (a leader and the controller SIGKILLed, a rolling restart, two of three nodes
# down), then the rolling-upgrade test (the release before a contract change beside the working tree; skipped with
# a one-line reason where the clone's history lacks that release and cannot be fetched), then the
# container test (`docker compose up` of the images built here; skipped with a one-line reason
# where no Docker engine can be had), then the Kubernetes test (the manifests on a cluster of its
# own, reusing those images; skipped with a one-line reason where no cluster can be had); ends
# with one summary line over all jest runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false NX_SKIP_NX_CACHE=true
export TEST_RESULTS_FILE="$PWD/tmp/test-results.jsonl"
rm -f "$TEST_RESULTS_FILE"

step() { printf '\n\033[1m━━ %s\033[0m  (%s, %d s into the run)\n' "$*" "$(date -u +%T)" "$SECONDS"; }
# Kubernetes' build (~1,000 CPU s, cold runs only) at the lowest priority from the start, in the CPU
# the steps before the Kubernetes test leave idle; that test waits for it (a lock), a warm run finds
# it cached at once. Nothing happens where no cluster can be had.
mkdir -p tmp
bash tools/test-suites/kubernetes/test.sh --prebuild >tmp/k8s-prebuild.log 2>&1 &
prebuild=$!
step "format";       npx prettier --check . --log-level warn
step "lint";         npx nx run-many -t lint --output-style=stream
step "typecheck";    npx nx run-many -t typecheck --output-style=stream
step "unit tests";   npx nx run-many -t test --output-style=stream
step "OpenTelemetry Collector for the tracing tests (built once, then cached)"
bash tools/test-infra/otel/build-collector.sh
step "build the services (the integration, cluster and upgrade tests run their bundles)"
npx nx run-many -t build -p rides transaction email analytics taxi web --output-style=stream
step "integration and end-to-end tests (real Kafka); beside them, broker faults on a 3-node cluster"
# Both wait on brokers, elections and timeouts far more than they use the CPU (the int step ran at
# a load average under 1 on a quiet 2-core machine), so the cluster test (its own nodes, ports and
# log files) runs beside the int step instead of after it: about 3.5 minutes less. Its output is
# printed whole once it ends. Neither rebuilds what the step above built.
cluster_log=tmp/cluster-step.log
npx nx run pipeline-e2e:cluster --exclude-task-dependencies --output-style=stream >"$cluster_log" 2>&1 &
cluster=$!
int_status=0
bash tools/dev-env/with-kafka.sh npx nx run-many -t int --parallel=1 --exclude-task-dependencies \
  --output-style=stream || int_status=$?
cluster_status=0
wait "$cluster" || cluster_status=$?
step "3-node cluster: four broker faults under a steady stream of rides (ran beside the step above)"
cat "$cluster_log"
step "rolling upgrade: the release before the vehicle class beside the working tree (real Kafka)"
upgrade_status=0
bash tools/test-infra/rolling-upgrade.sh || upgrade_status=$?
step "containers: docker compose up of docker-compose.yml, images built here"
containers_status=0
bash tools/test-suites/containers/test.sh || containers_status=$?
step "kubernetes: k8s/overlays on a single-node cluster of its own, the same images"
k8s_status=0
bash tools/test-suites/kubernetes/test.sh || k8s_status=$?
wait "$prebuild" || echo "kubernetes: the background build failed, see tmp/k8s-prebuild.log"
step "summary"
node tools/test-infra/jest/print-summary.js
((int_status != 0)) && exit "$int_status"
((cluster_status != 0)) && exit "$cluster_status"
((upgrade_status != 0)) && exit "$upgrade_status"
((containers_status != 0)) && exit "$containers_status"
exit "$k8s_status"
