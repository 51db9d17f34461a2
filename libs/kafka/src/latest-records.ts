import { randomUUID } from 'node:crypto';
import { fetchTopicOffsets } from './topic-offsets';
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';

export interface LatestRecordsQuery {
  readonly kafka: Kafka;
  readonly topic: string;
  readonly partition: number;
  /** The keys wanted; the search stops once each is found or the partition's start is reached. */
  readonly keys: readonly string[];
  /** Upper bound of the whole search. */
  readonly timeoutMs?: number;
}

/** Records read back from the end first; each miss reads a window this many times larger. */
const FIRST_WINDOW = 16n;
const WINDOW_GROWTH = 4n;

/**
 * The latest committed record of each key in one partition of a changelog, reading only its tail:
 * `[end - 16, end)`, then a 4× larger window before that, and so on, until every key is found.
 * A snapshot changelog written once per transaction has its latest snapshot in the last few
 * offsets (the rest are transaction markers), so a restore reads a handful of records however long
 * the history is. Reads are read-committed: an aborted snapshot is never returned.
 *
 * kafkajs cannot read a partition without joining a group, so each window is read by a consumer
 * of a fresh group that seeks to the window's start as it joins; the group is deleted afterwards.
 * (Committing the start for the new group with the admin client first takes seconds: a seek
 * costs nothing.)
 */
export const readLatestRecords = async (
  query: LatestRecordsQuery,
): Promise<Map<string, KafkaMessage>> => {
  const { kafka, topic, partition } = query;
  const deadline = Date.now() + (query.timeoutMs ?? 30_000);
  const found = new Map<string, KafkaMessage>();
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await fetchTopicOffsets(admin, topic);
    const own = offsets.find((entry) => entry.partition === partition);
    if (!own) throw new Error(`${topic} has no partition ${partition}`);
    const floor = BigInt(own.low);
    let end = BigInt(own.high);
    let window = FIRST_WINDOW;
    while (end > floor && found.size < query.keys.length) {
      const start = end - window > floor ? end - window : floor;
      const records = await readRange(admin, query, { start, end, deadline });
      // Newest first, so a key found in a later window is not overwritten by an older record.
      for (const record of records.reverse()) {
        const key = record.key?.toString();
        if (key !== undefined && query.keys.includes(key) && !found.has(key))
          found.set(key, record);
      }
      end = start;
      window *= WINDOW_GROWTH;
    }
    return found;
  } finally {
    await admin.disconnect();
  }
};

const readRange = async (
  admin: Admin,
  query: LatestRecordsQuery,
  range: { start: bigint; end: bigint; deadline: number },
): Promise<KafkaMessage[]> => {
  const { kafka, topic, partition } = query;
  const groupId = `latest-${topic}-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 100 });
  // By offset: a rejoin seeks again and reads some records twice.
  const records = new Map<string, KafkaMessage>();
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out reading ${topic}/${partition} back to ${range.start}`)),
        Math.max(0, range.deadline - Date.now()),
      );
      const done = () => (clearTimeout(timer), resolve());
      // Also emitted for batches holding only transaction markers or aborted records, which never
      // reach eachBatch: the position moves past them.
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        if (payload.partition === partition && BigInt(payload.lastOffset) + 1n >= range.end) done();
      });
      // Joining comes before the first fetch, and kafkajs drops batches fetched before a seek.
      consumer.on(consumer.events.GROUP_JOIN, () =>
        consumer.seek({ topic, partition, offset: String(range.start) }),
      );
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        clearTimeout(timer);
        reject(payload.error);
      });
      const run = async () => {
        await consumer.connect();
        await consumer.subscribe({ topic });
        await consumer.run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            if (batch.partition !== partition) return;
            for (const message of batch.messages) {
              const offset = BigInt(message.offset);
              if (offset >= range.start && offset < range.end) records.set(message.offset, message);
            }
          },
        });
      };
      run().catch((error: unknown) => (clearTimeout(timer), reject(error)));
    });
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
  return [...records.values()];
};
