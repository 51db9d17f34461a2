#!/usr/bin/env bash
# The Kafka distribution's script of that name (docker-compose.yml's healthcheck runs it).
exec java -Xmx128m -XX:TieredStopAtLevel=1 -Dlog4j2.level=WARN \
  -Dlog4j2.configurationFile=/opt/kafka/config/log4j2.xml \
  -cp '/opt/kafka/libs/*' org.apache.kafka.tools.BrokerApiVersionsCommand "$@"
