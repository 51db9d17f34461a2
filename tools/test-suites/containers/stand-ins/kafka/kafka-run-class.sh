#!/usr/bin/env bash
# The Kafka distribution's bin/kafka-run-class.sh, reduced to what the stand-in's scripts use: Java
# with the launcher's variables (KAFKA_HEAP_OPTS, KAFKA_JVM_PERFORMANCE_OPTS, KAFKA_LOG4J_OPTS,
# KAFKA_OPTS) and the jars in /opt/kafka/libs, in the foreground, so SIGTERM reaches it.
# shellcheck disable=SC2086 # the *_OPTS variables hold several options, as in the original
exec java ${KAFKA_HEAP_OPTS:--Xmx256m} ${KAFKA_JVM_PERFORMANCE_OPTS:--XX:+UseG1GC} -Djava.awt.headless=true \
  ${KAFKA_LOG4J_OPTS:--Dlog4j2.configurationFile=/opt/kafka/config/log4j2.xml} ${KAFKA_OPTS:-} \
  -cp '/opt/kafka/libs/*' "$@"
