import { randomUUID } from 'node:crypto';
import { fetchTopicOffsets } from './topic-offsets';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { sessionSettings } from './supervised-consumer';

export type TailRecord = Pick<KafkaMessage, 'offset' | 'key' | 'value'>;

export interface PartitionTailOptions {
  readonly kafka: Kafka;
  readonly topic: string;
  readonly partitions: readonly number[];
  /** Records read at most per partition, counted back from its end. */
  readonly window: number;
  /** Called with each fetched batch of a partition, in offset order, up to the end seen at start. */
  readonly onRecords: (partition: number, messages: readonly TailRecord[]) => void;
  readonly timeoutMs?: number;
}

/**
 * Reads the last `window` records of some partitions of a topic, once, and resolves when it has
 * read up to the end offsets seen when called. It never reads the rest of the topic: what it costs
 * depends on the window, not on the topic's history. kafkajs has no manual assignment, so this is a
 * consumer of a group of its own that seeks the wanted partitions and pauses the others.
 */
export const readPartitionTails = async (options: PartitionTailOptions): Promise<void> => {
  const { kafka, topic, window, onRecords, timeoutMs = 60_000 } = options;
  const admin = kafka.admin();
  await admin.connect();
  const ends = await fetchTopicOffsets(admin, topic).finally(() => admin.disconnect());
  const wanted = new Set(options.partitions);
  const targets = new Map(
    ends
      .filter((end) => wanted.has(end.partition))
      .map((end) => {
        const high = BigInt(end.high);
        const low = BigInt(end.low);
        const start = high - BigInt(window) > low ? high - BigInt(window) : low;
        return [end.partition, { start, high }] as const;
      })
      .filter(([, target]) => target.start < target.high),
  );
  if (targets.size === 0) return;

  const positions = new Map<number, bigint>();
  const done = () =>
    [...targets].every(([partition, target]) => (positions.get(partition) ?? 0n) >= target.high);
  const consumer = kafka.consumer({
    groupId: `tail-${topic}-${randomUUID()}`,
    ...sessionSettings(),
    maxWaitTimeInMs: 100,
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: false });
    const finished = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out after ${timeoutMs} ms reading the tail of ${topic}`)),
        timeoutMs,
      );
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        if (!targets.has(payload.partition)) return;
        positions.set(payload.partition, BigInt(payload.lastOffset) + 1n);
        if (done()) {
          clearTimeout(timer);
          resolve();
        }
      });
      consumer.on(
        consumer.events.CRASH,
        ({ payload }) => (clearTimeout(timer), reject(payload.error)),
      );
    });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        const target = targets.get(batch.partition);
        if (!target) return;
        onRecords(
          batch.partition,
          batch.messages.filter((message) => BigInt(message.offset) < target.high),
        );
      },
    });
    const others = ends.map((end) => end.partition).filter((p) => !targets.has(p));
    if (others.length > 0) consumer.pause([{ topic, partitions: others }]);
    for (const [partition, target] of targets) {
      consumer.seek({ topic, partition, offset: target.start.toString() });
    }
    await finished;
  } finally {
    await consumer.disconnect();
  }
};
