import type { Admin, Kafka } from 'kafkajs';

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
    const ends = new Map<string, Map<number, bigint>>();
    const endOf = async (topic: string) => {
      let partitions = ends.get(topic);
      if (!partitions) {
        const offsets = await admin.fetchTopicOffsets(topic);
        partitions = new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
        ends.set(topic, partitions);
      }
      return partitions;
    };
    const lags: PartitionLag[] = [];
    for (const { groupId } of groups) {
      const committed = await admin.fetchOffsets({ groupId });
      for (const { topic, partitions } of committed) {
        if (!watched.has(topic)) continue;
        const topicEnds = await endOf(topic);
        for (const { partition, offset } of partitions) {
          if (offset === '-1') continue;
          const end = topicEnds.get(partition) ?? 0n;
          lags.push({ groupId, topic, partition, lag: Number(end - BigInt(offset)) });
        }
      }
    }
    return lags.sort(
      (a, b) =>
        a.groupId.localeCompare(b.groupId) ||
        a.topic.localeCompare(b.topic) ||
        a.partition - b.partition,
    );
  };

  return { read, stop: () => admin.disconnect() };
};
