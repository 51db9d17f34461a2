import type { Kafka } from 'kafkajs';
import { eventually } from '@taxi/testing';

/**
 * Resolves once a consumer group has committed every partition of its topics to the end. The end
 * of a transactional topic is a commit marker that no consumer commits past, hence the one
 * offset of slack: committed offset ≥ end offset − 1.
 */
export const waitForGroupCaughtUp = async (
  kafka: Kafka,
  groupId: string,
  topics: readonly string[],
  timeoutMs = 120_000,
): Promise<void> => {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await eventually(
      async () => {
        const lagging: string[] = [];
        const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
        for (const topic of topics) {
          const ends = await admin.fetchTopicOffsets(topic);
          const byPartition = new Map(
            committed
              .find((c) => c.topic === topic)
              ?.partitions.map((p) => [p.partition, BigInt(p.offset)]) ?? [],
          );
          for (const end of ends) {
            const high = BigInt(end.high);
            if (high === BigInt(end.low)) continue;
            if ((byPartition.get(end.partition) ?? -1n) < high - 1n)
              lagging.push(`${topic}/${end.partition}`);
          }
        }
        return lagging;
      },
      (lagging) => lagging.length === 0,
      { timeoutMs, everyMs: 250 },
    );
  } finally {
    await admin.disconnect();
  }
};
