import type { KafkaMessage, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { decode, type EventOf, type TopicContract } from '@taxi/events';
import { topicOffsets, UnknownTopicError, withAdmin } from './admin';
import { kafkajsOf, type KafkaClient } from './connect';
import { isRedrivenForAnotherService, sendToDeadLetter } from './dead-letter';
import type { FetchSettings, OnLag } from './member';
import { keyOf, startReader, type HandOver, type Reader, type Target } from './reader';

// Reading without committing: a local store fed from the topics, a ledger restored from its
// tail, a page following events, the CLI's tail. `read` works out where each partition starts
// and ends and how records are handed over; reader.ts reads them.

/** One record as it sits in a partition, undecoded: for tools that show whatever is there. */
export interface KafkaRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** ISO 8601, as its producer (or the broker) stamped it. */
  readonly timestamp: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, Buffer>>;
}

/** A decoded event and where it sits. */
export interface ReadEvent<Contract extends TopicContract> {
  readonly offset: string;
  /**
   * The record's Kafka timestamp, in ms since the epoch (CreateTime: when its producer sent it,
   * unless the topic stamps LogAppendTime). A number, not `KafkaRecord`'s ISO text: a follower
   * that measures its lag reads it for every record.
   */
  readonly timestampMs: number;
  readonly event: EventOf<Contract>;
}

/** What a reader hands over at a time: records of one partition, in offset order. */
export interface ReadBatch<Item> {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly Item[];
  /**
   * The position after this batch (past any transaction markers that follow its last record):
   * what a store that keeps its own position writes with the records, to resume from.
   */
  readonly nextOffset: string;
}

/** The next offset to read in a partition. */
export interface ReadPosition {
  readonly topic: string;
  readonly partition: number;
  readonly nextOffset: string;
}

export type { Reader } from './reader';

export type ReadFrom =
  | 'beginning'
  | 'end'
  /** The last `last` records of each partition (fewer where the partition holds fewer). */
  | { readonly last: number }
  /** Given positions; partitions without one from the beginning. */
  | { readonly positions: readonly ReadPosition[] };

interface ReadOptionsBase {
  readonly kafka: KafkaClient;
  readonly logger: Logger;
  readonly from: ReadFrom;
  /**
   * `end-at-start`: up to the end each partition had when the read started, then the reader stops
   * by itself (`done` resolves). `following`: on, as records arrive, until `stop()`.
   */
  readonly until: 'end-at-start' | 'following';
  /** Only these partition numbers of each topic (default: every partition). */
  readonly partitions?: readonly number[];
  /** Names the throwaway group (`<prefix>-<random>`), so it can be told apart in a group list. */
  readonly groupPrefix?: string;
  /**
   * Most records handed over at once. A fetched batch is then handed over in slices of this size,
   * each on a turn of the event loop of its own, so that a reader sharing its thread with an HTTP
   * server never holds it up for long (ADR 036). Default: a fetched batch at once.
   */
  readonly maxRecordsPerCall?: number;
  /** Called for a failure that is not Kafka's (Kafka's are retried for as long as it takes). */
  readonly onFatal?: (error: unknown) => void;
  /** For `end-at-start`: fail (`done` rejects) if the end is not reached in time. Default 60 s. */
  readonly timeoutMs?: number;
  /** Default: LATENCY_FIRST_FETCH (a fetch returns once anything is there). */
  readonly fetch?: FetchSettings;
  readonly partitionsConsumedConcurrently?: number;
  readonly sessionTimeoutMs?: number;
  readonly onLag?: OnLag;
}

/** Reads events decoded against their topics' contracts. */
export interface ReadEventsOptions<Contract extends TopicContract> extends ReadOptionsBase {
  readonly contracts: readonly Contract[];
  /**
   * Dead-letters what does not decode, in the name of `service`, and passes by what was re-driven
   * for another service (a reader that is part of the pipeline: rides' store). Without it, what
   * does not decode is logged and skipped: a watcher has no business dead-lettering.
   */
  readonly deadLetters?: { readonly service: string };
  readonly onBatch: (batch: ReadBatch<ReadEvent<Contract>>) => void | Promise<void>;
}

/** Reads records as they are, from topics with or without a contract (the CLI, re-drive, tests). */
export interface ReadRecordsOptions extends ReadOptionsBase {
  readonly topics: readonly string[];
  readonly onBatch: (batch: ReadBatch<KafkaRecord>) => void | Promise<void>;
}

/** A stored position past its partition's end: the topic was deleted and created again since. */
export class StalePositionsError extends Error {
  constructor(readonly positions: readonly ReadPosition[]) {
    super(
      `positions past the end of their partitions (topics created again?): ${positions
        .map((p) => `${p.topic}/${p.partition}@${p.nextOffset}`)
        .join(', ')}`,
    );
    this.name = 'StalePositionsError';
  }
}

/** Reads topics (or some of their partitions) from where asked, without committing anything. */
export function read<Contract extends TopicContract>(
  options: ReadEventsOptions<Contract>,
): Promise<Reader>;
export function read(options: ReadRecordsOptions): Promise<Reader>;
export async function read<Contract extends TopicContract>(
  options: ReadEventsOptions<Contract> | ReadRecordsOptions,
): Promise<Reader> {
  const topics =
    'contracts' in options ? options.contracts.map((contract) => contract.name) : options.topics;
  const targets = await targetsOf(options.kafka, topics, options.from, options.partitions);
  const handOver = 'contracts' in options ? await decodedHandOver(options) : rawHandOver(options);
  return startReader({
    ...options,
    topics,
    targets,
    bounded: options.until === 'end-at-start',
    followNewPartitions: options.until === 'following' && options.partitions === undefined,
    handOver: handOver.deliver,
    onStopped: handOver.close,
  });
}

/** Where `from` starts in a partition that holds [low, end). */
const startOf = (from: ReadFrom, low: bigint, end: bigint, position: bigint | undefined) => {
  if (from === 'beginning') return low;
  if (from === 'end') return end;
  if ('last' in from) return end - BigInt(from.last) > low ? end - BigInt(from.last) : low;
  return position ?? low;
};

/** The start and end of every partition read, from the partitions' offsets now. */
const targetsOf = (
  kafka: KafkaClient,
  topics: readonly string[],
  from: ReadFrom,
  only: readonly number[] | undefined,
): Promise<Map<string, Target>> =>
  withAdmin(kafka, async (admin) => {
    const existing = new Set(await admin.listTopics());
    const unknown = topics.filter((topic) => !existing.has(topic));
    if (unknown.length > 0) throw new UnknownTopicError(unknown);
    const given = new Map(
      typeof from === 'object' && 'positions' in from
        ? from.positions.map((p) => [keyOf(p.topic, p.partition), BigInt(p.nextOffset)])
        : [],
    );
    const targets = new Map<string, Target>();
    const stale: ReadPosition[] = [];
    for (const topic of topics) {
      for (const offsets of await topicOffsets(admin, topic)) {
        if (only && !only.includes(offsets.partition)) continue;
        const key = keyOf(topic, offsets.partition);
        const [low, end] = [BigInt(offsets.low), BigInt(offsets.high)];
        const position = given.get(key);
        if (position !== undefined && position > end)
          stale.push({ topic, partition: offsets.partition, nextOffset: String(position) });
        targets.set(key, { start: startOf(from, low, end, position), end });
      }
    }
    if (stale.length > 0) throw new StalePositionsError(stale);
    return targets;
  });

const headersOf = (message: KafkaMessage): Record<string, Buffer> => {
  const headers: Record<string, Buffer> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) headers[name] = Buffer.isBuffer(first) ? first : Buffer.from(first);
  }
  return headers;
};

const rawHandOver = (options: ReadRecordsOptions) => ({
  deliver: ((topic, partition, messages, nextOffset) =>
    options.onBatch({
      topic,
      partition,
      nextOffset,
      records: messages.map((message) => ({
        topic,
        partition,
        offset: message.offset,
        timestamp: new Date(Number(message.timestamp)).toISOString(),
        key: message.key,
        value: message.value,
        headers: headersOf(message),
      })),
    })) as HandOver,
  close: async () => undefined,
});

const decodedHandOver = async <Contract extends TopicContract>(
  options: ReadEventsOptions<Contract>,
) => {
  const { logger, deadLetters } = options;
  const byTopic = new Map(options.contracts.map((contract) => [contract.name, contract]));
  let producer: Producer | undefined;
  if (deadLetters) {
    producer = kafkajsOf(options.kafka).producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
  }
  const deliver: HandOver = async (topic, partition, messages, nextOffset) => {
    const contract = byTopic.get(topic) as Contract;
    const records: ReadEvent<Contract>[] = [];
    for (const message of messages) {
      if (deadLetters && isRedrivenForAnotherService(message, deadLetters.service)) continue;
      const decoded = decode(contract, message.value);
      if (decoded.ok) {
        records.push({
          offset: message.offset,
          timestampMs: Number(message.timestamp),
          event: decoded.value,
        });
      } else if (producer && deadLetters) {
        const why = { kind: decoded.error.kind, reason: decoded.error.reason };
        await sendToDeadLetter(
          producer,
          { topic, partition, message, deadLetterTopic: contract.deadLetter.name },
          { ...why, service: deadLetters.service },
          logger,
        );
      } else {
        logger.warn(
          { source: `${topic}/${partition}@${message.offset}`, reason: decoded.error.reason },
          'skipping a record that does not decode',
        );
      }
    }
    await options.onBatch({ topic, partition, records, nextOffset });
  };
  return { deliver, close: async () => producer?.disconnect() };
};
