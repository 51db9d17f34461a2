import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { TopicSettings } from '@taxi/events';
import { withAdmin } from './inspect';

export interface ProvisionOptions {
  readonly replicationFactor: number;
  /** `min.insync.replicas` for every topic; only meaningful with replication above 1. */
  readonly minInSyncReplicas?: number;
}

/**
 * Creates the topics that do not exist yet, with their partitions and configs. Safe to call from
 * every service at start-up, concurrently: existing topics are left as they are.
 */
export const ensureTopics = async (
  kafka: Kafka,
  topics: readonly TopicSettings[],
  options: ProvisionOptions,
  logger: Logger,
): Promise<string[]> => {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic.name));
    if (missing.length === 0) return [];
    const minIsr =
      options.minInSyncReplicas === undefined
        ? {}
        : { 'min.insync.replicas': String(options.minInSyncReplicas) };
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({
          topic: topic.name,
          numPartitions: topic.partitions,
          replicationFactor: options.replicationFactor,
          configEntries: Object.entries({ ...topic.config, ...minIsr }).map(([name, value]) => ({
            name,
            value,
          })),
        })),
      });
    } catch (error) {
      // Another service created the same topics a moment earlier.
      if (!isTopicExistsError(error)) throw error;
    }
    const created = missing.map((topic) => topic.name);
    logger.info({ topics: created }, 'created topics');
    return created;
  } finally {
    await admin.disconnect();
  }
};

const isTopicExistsError = (error: unknown): boolean => {
  const text = JSON.stringify(error, Object.getOwnPropertyNames(error ?? {}));
  return text.includes('TOPIC_ALREADY_EXISTS') || text.includes('already exists');
};

/**
 * Deletes every topic whose name starts with `prefix`; returns their names. For runs that made
 * topics of their own (the bench's million-ride runs leave gigabytes behind otherwise).
 */
export const deleteTopicsWithPrefix = async (kafka: Kafka, prefix: string): Promise<string[]> => {
  if (prefix === '') throw new Error('refusing to delete every topic: the prefix is empty');
  return withAdmin(kafka, async (admin) => {
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics });
    return topics;
  });
};
