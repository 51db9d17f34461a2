#!/usr/bin/env bash
# The Kafka distribution's bin/kafka-storage.sh (k8s/overlays/dev formats the data dir with it).
exec /opt/kafka/bin/kafka-run-class.sh kafka.tools.StorageTool "$@"
