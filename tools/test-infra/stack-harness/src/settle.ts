import { describeGroups, read, type GroupPartition, type KafkaClient } from '@taxi/kafka';
import { eventually, testLogger } from '@taxi/testing';

/** How long a partition's committed offset and end must stay put before its tail is read. */
const TAIL_READ_AFTER_MS = 2_000;

/**
 * Resolves once a consumer group has committed every partition of its topics to the end. The end
 * of a transactional topic is a commit marker that no consumer commits past, hence the one
 * offset of slack: committed offset ≥ end offset − 1. An empty partition needs no commit.
 *
 * More than one offset of slack can be right too: the tail can hold several transaction markers
 * and no record. When a transaction coordinator moves mid-commit (its node restarted), the new one
 * writes the commit markers again, so a partition ends in two COMMIT markers; a transaction that
 * added a partition and aborted before writing to it leaves a lone ABORT marker; an aborted
 * transaction leaves its records. A read-committed consumer never commits past them, as nothing
 * is handed to it there. So a partition still short of its end once its offsets stopped moving
 * is read from the committed offset: caught up if no committed record is there.
 */
export const waitForGroupCaughtUp = async (
  kafka: KafkaClient,
  groupId: string,
  topics: readonly string[],
  timeoutMs = 120_000,
): Promise<void> => {
  /** Since when each partition short of its end has had these offsets, by `topic/partition`. */
  const unchanged = new Map<string, { offsets: string; since: number }>();
  /** `topic/partition committed..end` whose tail holds no committed record. */
  const tailsWithoutRecords = new Set<string>();

  const behind = async (partitions: readonly GroupPartition[]): Promise<string[]> => {
    const lagging: GroupPartition[] = [];
    for (const p of partitions) {
      if (!topics.includes(p.topic)) continue;
      const short = p.committed === null ? p.lag > 0 : BigInt(p.committed) < BigInt(p.end) - 1n;
      const key = `${p.topic}/${p.partition}`;
      const offsets = `${p.committed ?? 'none'}..${p.end}`;
      if (short && !tailsWithoutRecords.has(`${key} ${offsets}`)) lagging.push(p);
      if (unchanged.get(key)?.offsets !== offsets)
        unchanged.set(key, { offsets, since: Date.now() });
    }
    // Only once a partition's offsets stopped moving: reading its tail costs a group join.
    const settled = lagging.filter((p) => {
      const seen = unchanged.get(`${p.topic}/${p.partition}`);
      return seen !== undefined && Date.now() - seen.since >= TAIL_READ_AFTER_MS;
    });
    for (const p of await tailsWithoutCommittedRecords(kafka, settled))
      tailsWithoutRecords.add(`${p.topic}/${p.partition} ${p.committed ?? 'none'}..${p.end}`);
    return lagging
      .filter(
        (p) =>
          !tailsWithoutRecords.has(`${p.topic}/${p.partition} ${p.committed ?? 'none'}..${p.end}`),
      )
      .map((p) => `${p.topic}/${p.partition}`);
  };

  await eventually(
    async () => {
      const [group] = await describeGroups(kafka, [groupId]);
      const partitions = group?.partitions ?? [];
      const unread = topics
        .filter((topic) => !partitions.some((p) => p.topic === topic))
        .map((topic) => `${topic}/(not read yet)`);
      return [...unread, ...(await behind(partitions))];
    },
    (lagging) => lagging.length === 0,
    { timeoutMs, everyMs: 250 },
  );
};

/**
 * The partitions among these whose records from the committed offset (the start, where none) to
 * the end are all transaction markers or aborted: a read-committed read of them hands over none.
 * A read that fails (an open transaction holds it back past its timeout) counts as records found.
 */
const tailsWithoutCommittedRecords = async (
  kafka: KafkaClient,
  partitions: readonly GroupPartition[],
): Promise<GroupPartition[]> => {
  const byTopic = new Map<string, GroupPartition[]>();
  for (const p of partitions) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p]);
  const found: GroupPartition[] = [];
  for (const [topic, tails] of byTopic) {
    const withRecords = new Set<number>();
    try {
      const reader = await read({
        kafka,
        logger: testLogger(),
        topics: [topic],
        partitions: tails.map((p) => p.partition),
        from: {
          positions: tails.flatMap((p) =>
            p.committed === null
              ? []
              : [{ topic, partition: p.partition, nextOffset: p.committed }],
          ),
        },
        until: 'end-at-start',
        groupPrefix: 'settle',
        timeoutMs: 20_000,
        onBatch: (batch) => {
          if (batch.records.length > 0) withRecords.add(batch.partition);
        },
      });
      await reader.done;
    } catch {
      continue;
    }
    found.push(...tails.filter((p) => !withRecords.has(p.partition)));
  }
  return found;
};
