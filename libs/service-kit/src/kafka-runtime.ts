import type { Logger } from 'pino';
import { allTopicSettings, topicsFor, type Topics } from '@taxi/events';
import { connect, ensureTopics, type KafkaClient } from '@taxi/kafka';
import { kafkaConnection } from './config';

type KafkaEnv = Parameters<typeof kafkaConnection>[0] & {
  KAFKA_CLIENT_ID: string;
  KAFKA_TOPIC_PREFIX: string;
  KAFKA_REPLICATION_FACTOR: number;
  KAFKA_MIN_INSYNC_REPLICAS?: number | undefined;
};

/** The Kafka client from config, and the topics (prefixed) created if they do not exist yet. */
export const connectToKafka = async (
  config: KafkaEnv,
  logger: Logger,
): Promise<{ kafka: KafkaClient; topics: Topics }> => {
  const kafka = connect(kafkaConnection(config, config.KAFKA_CLIENT_ID), logger);
  const topics = topicsFor(config.KAFKA_TOPIC_PREFIX);
  await ensureTopics(
    kafka,
    allTopicSettings(topics),
    {
      replicationFactor: config.KAFKA_REPLICATION_FACTOR,
      ...(config.KAFKA_MIN_INSYNC_REPLICAS !== undefined && {
        minInSyncReplicas: config.KAFKA_MIN_INSYNC_REPLICAS,
      }),
    },
    logger,
  );
  return { kafka, topics };
};
