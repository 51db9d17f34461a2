import type { Admin, Kafka } from 'kafkajs';
import { fetchTopicOffsets } from './topic-offsets';

export interface PartitionLag {
  readonly groupId: string;
  readonly topic: string;
  readonly partition: number;
  /** Records between the group's committed offset and the partition's end. */
  readonly lag: number;
}

export interface LagReader {
  /** Lag of every group that has committed offsets on one of the topics, per partition. */
  read(): Promise<PartitionLag[]>;
  stop(): Promise<void>;
}

/**
 * Consumer lag as `kafka-consumer-groups.sh --describe` computes it: end offset minus committed
 * offset. On topics written in transactions the end includes the commit markers, so an idle
 * group reads a lag of 1 on a partition whose last write was transactional, as Kafka's tool does.
 * Groups that never commit (watchers, table readers) have no lag and are left out.
 */
export const startLagReader = async (
  kafka: Kafka,
  topics: readonly string[],
): Promise<LagReader> => {
  const admin: Admin = kafka.admin();
  await admin.connect();
  const watched = new Set(topics);

  const read = async (): Promise<PartitionLag[]> => {
    const { groups } = await admin.listGroups();
    const committed = await Promise.all(
      groups.map(async ({ groupId }) => ({
        groupId,
        topics: (await admin.fetchOffsets({ groupId })).filter(({ topic }) => watched.has(topic)),
      })),
    );
    // End offsets read after the committed ones, so that no committed offset is past its end.
    const topicsWithGroups = [...new Set(committed.flatMap((g) => g.topics.map((t) => t.topic)))];
    const ends = new Map(
      await Promise.all(
        topicsWithGroups.map(async (topic) => {
          const offsets = await fetchTopicOffsets(admin, topic);
          return [topic, new Map(offsets.map((o) => [o.partition, BigInt(o.high)]))] as const;
        }),
      ),
    );
    const lags = committed.flatMap(({ groupId, topics }) =>
      topics.flatMap(({ topic, partitions }) =>
        partitions
          .filter(({ offset }) => offset !== '-1')
          .map(({ partition, offset }) => {
            const end = ends.get(topic)?.get(partition) ?? 0n;
            const lag = end > BigInt(offset) ? Number(end - BigInt(offset)) : 0;
            return { groupId, topic, partition, lag };
          }),
      ),
    );
    return lags.sort(
      (a, b) =>
        a.groupId.localeCompare(b.groupId) ||
        a.topic.localeCompare(b.topic) ||
        a.partition - b.partition,
    );
  };

  return { read, stop: () => admin.disconnect() };
};
