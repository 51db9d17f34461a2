import { describeGroups, read, type KafkaClient } from '@taxi/kafka';
import { eventually, testLogger } from '@taxi/testing';

/**
 * How many committed records lie past the given positions: none means that what is left of each
 * partition is transaction markers and aborted records only (a transaction aborted after adding
 * the partition leaves a marker, with or without records: more than the one offset of slack).
 */
const recordsPast = async (
  kafka: KafkaClient,
  positions: readonly { topic: string; partition: number; nextOffset: string }[],
): Promise<number> => {
  let count = 0;
  const reader = await read({
    kafka,
    logger: testLogger(),
    topics: [...new Set(positions.map((position) => position.topic))],
    partitions: [...new Set(positions.map((position) => position.partition))],
    from: { positions },
    until: 'end-at-start',
    groupPrefix: 'caught-up',
    onBatch: ({ topic, partition, records }) => {
      if (positions.some((p) => p.topic === topic && p.partition === partition))
        count += records.length;
    },
  });
  await reader.done;
  return count;
};

/**
 * Resolves once a consumer group has committed every partition of its topics to the end. The end
 * of a transactional topic is a commit marker that no consumer commits past, hence the one
 * offset of slack: committed offset ≥ end offset − 1. An empty partition needs no commit.
 */
export const waitForGroupCaughtUp = async (
  kafka: KafkaClient,
  groupId: string,
  topics: readonly string[],
  timeoutMs = 120_000,
): Promise<void> => {
  await eventually(
    async () => {
      const [group] = await describeGroups(kafka, [groupId]);
      const partitions = group?.partitions ?? [];
      const lagging = topics
        .filter((topic) => !partitions.some((p) => p.topic === topic))
        .map((topic) => `${topic}/(not read yet)`);
      const behind = partitions.filter(
        (p) =>
          topics.includes(p.topic) &&
          (p.committed === null ? p.lag > 0 : BigInt(p.committed) < BigInt(p.end) - 1n),
      );
      // Partitions whose rest is only markers (and aborted records) are caught up: nothing left
      // to consume. One never committed holds nothing but those from its start.
      const onlyMarkers =
        behind.length > 0 &&
        (await recordsPast(
          kafka,
          behind.map((p) => ({ ...p, nextOffset: p.committed ?? '0' })),
        )) === 0;
      if (!onlyMarkers) lagging.push(...behind.map((p) => `${p.topic}/${p.partition}`));
      return lagging;
    },
    (lagging) => lagging.length === 0,
    { timeoutMs, everyMs: 250 },
  );
};
