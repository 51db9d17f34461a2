import { randomUUID } from 'node:crypto';
import { fetchTopicOffsets } from './topic-offsets';
import type { Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import { startSupervisedConsumer } from './supervised-consumer';

export interface TableOptions<Value> {
  readonly kafka: Kafka;
  /** A compacted topic: the latest value per key is the table's row. */
  readonly topic: string;
  readonly logger: Logger;
  /** Turns a record into a row, or undefined to ignore it (it is logged). */
  readonly parse: (message: KafkaMessage) => Value | undefined;
  /** Called if the reader fails for a reason other than Kafka (a bug): the service should exit. */
  readonly onFatal: (error: unknown) => void;
  /** Called for each row as it arrives, after it is stored. */
  readonly onRow?: (key: string, value: Value) => void;
}

export interface Table<Value> {
  get(key: string): Value | undefined;
  keys(): string[];
  readonly size: number;
  /** Resolves once every record that was in the topic when called has been read. */
  catchUp(timeoutMs?: number): Promise<void>;
  /** Resolves once a row matches, e.g. a snapshot at a given offset; rejects after the timeout. */
  waitFor(key: string, matches: (value: Value) => boolean, timeoutMs?: number): Promise<Value>;
  stop(): Promise<void>;
}

interface Waiter {
  readonly done: () => boolean;
  readonly resolve: () => void;
}

/**
 * Reads a whole compacted topic into memory and keeps following it, like a Kafka Streams table.
 * It is not a member of any shared group: every instance sees every partition.
 */
export const startTable = async <Value>(options: TableOptions<Value>): Promise<Table<Value>> => {
  const { kafka, topic, logger } = options;
  const rows = new Map<string, Value>();
  const nextOffsets = new Map<number, bigint>();
  let waiters: Waiter[] = [];
  const admin = kafka.admin();

  const wake = () => {
    const ready = waiters.filter((waiter) => waiter.done());
    waiters = waiters.filter((waiter) => !ready.includes(waiter));
    ready.forEach((waiter) => waiter.resolve());
  };

  const waitUntil = (done: () => boolean, what: string, timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      if (done()) return resolve();
      const timer = setTimeout(() => {
        waiters = waiters.filter((waiter) => waiter !== entry);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} on ${topic}`));
      }, timeoutMs);
      const entry: Waiter = { done, resolve: () => (clearTimeout(timer), resolve()) };
      waiters.push(entry);
    });

  await admin.connect();
  const supervised = await startSupervisedConsumer({
    kafka,
    groupId: `table-${topic}-${randomUUID()}`,
    topics: [topic],
    logger,
    onFatal: options.onFatal,
    // Emitted for every fetched batch, also those holding only transaction markers (which never
    // reach eachBatch), so the position moves past them.
    configure: (consumer) =>
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        const reached = BigInt(payload.lastOffset) + 1n;
        if (reached > (nextOffsets.get(payload.partition) ?? 0n)) {
          nextOffsets.set(payload.partition, reached);
        }
        wake();
      }),
    run: {
      // The group is this reader's alone and never reused (it always reads from the beginning):
      // committing its offsets would only add a request per fetch, and records the broker keeps.
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          const key = message.key?.toString();
          const value = key === undefined ? undefined : options.parse(message);
          if (key === undefined || value === undefined) {
            logger.warn({ topic, offset: message.offset }, 'ignoring unreadable table record');
            continue;
          }
          rows.set(key, value);
          options.onRow?.(key, value);
        }
      },
    },
  });

  return {
    get: (key) => rows.get(key),
    keys: () => [...rows.keys()],
    get size() {
      return rows.size;
    },
    catchUp: async (timeoutMs = 30_000) => {
      const ends = await fetchTopicOffsets(admin, topic);
      const caughtUp = () =>
        ends.every(
          (end) =>
            BigInt(end.high) <= BigInt(end.low) ||
            (nextOffsets.get(end.partition) ?? 0n) >= BigInt(end.high),
        );
      await waitUntil(caughtUp, 'catch-up', timeoutMs);
    },
    waitFor: async (key, matches, timeoutMs = 30_000) => {
      await waitUntil(
        () => {
          const value = rows.get(key);
          return value !== undefined && matches(value);
        },
        `row ${key}`,
        timeoutMs,
      );
      return rows.get(key) as Value;
    },
    stop: async () => {
      await supervised.stop();
      await admin.disconnect();
    },
  };
};
