import type { Admin } from 'kafkajs';
import type { KafkaClient } from './connect';
import { leadersElected, UnknownTopicError, withAdmin } from './admin';

// Partition counts, read and grown. Kafka can only add partitions to a topic, never take them
// away; growing moves keys (murmur2 mod the count), which is why the co-partitioned topics are
// grown together and in order (`taxi topics grow`, ADR 038) and why consumers guard against
// counts that differ (partition-count-guard.ts).

/** Each named topic's partition count; topics that do not exist are left out. */
export const partitionCounts = (
  client: KafkaClient,
  names: readonly string[],
): Promise<Map<string, number>> => withAdmin(client, (admin) => countsOf(admin, names));

export const countsOf = async (
  admin: Admin,
  names: readonly string[],
): Promise<Map<string, number>> => {
  const existing = new Set(await admin.listTopics());
  const wanted = names.filter((name) => existing.has(name));
  if (wanted.length === 0) return new Map();
  const { topics } = await admin.fetchTopicMetadata({ topics: wanted });
  return new Map(topics.map((topic) => [topic.name, topic.partitions.length]));
};

export interface PartitionGrowth {
  readonly topic: string;
  /** The partition count wanted: more than the topic has now. */
  readonly count: number;
}

/**
 * Adds partitions to topics, in one CreatePartitions request (the broker applies each topic on
 * its own: a failure may leave some grown and not others, which a second call completes), and
 * resolves once every new partition has a leader. Topics already at the count are skipped, so a
 * second call after a partial failure does only what is left.
 */
export const addPartitions = (
  client: KafkaClient,
  growths: readonly PartitionGrowth[],
): Promise<void> =>
  withAdmin(client, async (admin) => {
    const now = await countsOf(
      admin,
      growths.map((growth) => growth.topic),
    );
    const missing = growths.filter((growth) => !now.has(growth.topic));
    if (missing.length > 0) throw new UnknownTopicError(missing.map((growth) => growth.topic));
    const shrinking = growths.filter((growth) => (now.get(growth.topic) ?? 0) > growth.count);
    if (shrinking.length > 0)
      throw new Error(
        `Kafka cannot take partitions away: ${shrinking
          .map((growth) => `${growth.topic} has ${now.get(growth.topic)}, not ${growth.count}`)
          .join(', ')}`,
      );
    const todo = growths.filter((growth) => (now.get(growth.topic) ?? 0) < growth.count);
    if (todo.length === 0) return;
    await admin.createPartitions({
      topicPartitions: todo.map(({ topic, count }) => ({ topic, count })),
    });
    await leadersElected(
      admin,
      todo.map(({ topic, count }) => ({ name: topic, partitions: count })),
    );
  });
