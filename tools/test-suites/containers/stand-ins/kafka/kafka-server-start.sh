#!/usr/bin/env bash
# The Kafka distribution's bin/kafka-server-start.sh: the broker on the given server.properties
# (k8s/overlays/dev runs it so; the image's own start script is ./run).
export KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx1G -Xms1G}"
exec /opt/kafka/bin/kafka-run-class.sh kafka.Kafka "$@"
