import { randomUUID } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Consumer, EachBatchPayload, KafkaMessage, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { decode, type EventOf, type TopicContract } from '@taxi/events';
import { topicOffsets, UnknownTopicError, withAdmin } from './admin';
import { kafkajsOf, type KafkaClient } from './connect';
import { isRedrivenForAnotherService, sendToDeadLetter } from './dead-letter';
import { LATENCY_FIRST_FETCH, startMember, type FetchSettings, type OnLag } from './member';

// Reading without committing: a local store fed from the topics, a ledger restored from its
// tail, a page following events, the CLI's tail, a state snapshot read back. kafkajs has no
// assign(): each reader joins a consumer group of its own, seeks the partitions it wants when it
// joins and pauses the others, and deletes that group when it stops. This is the one place that
// does so, and the one place that knows how transaction markers move a reader's position.

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
   * server never holds it up for long (ADR 020, 026). Default: a fetched batch at once.
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

export interface Reader {
  /** True while a member of its group (with the partitions assigned, or about to be). */
  isReady(): boolean;
  /** True once everything the partitions held when the read started has been handed over. */
  isCaughtUp(): boolean;
  /** Resolves when `isCaughtUp()` turns true. */
  caughtUp(): Promise<void>;
  /**
   * Settles when the reader has stopped: after `stop()`, or by itself at the end (`end-at-start`).
   * Rejects on a failure that is not Kafka's, or a timeout.
   */
  readonly done: Promise<void>;
  /** Finishes what is in hand, leaves and deletes the group. */
  stop(): Promise<void>;
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
    handOver: handOver.deliver,
    onStopped: handOver.close,
  });
}

/** Where a partition is read from, and the end it had when the read started. */
export interface Target {
  readonly start: bigint;
  readonly end: bigint;
}

const keyOf = (topic: string, partition: number) => `${topic}/${partition}`;

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
        const start =
          from === 'beginning'
            ? low
            : from === 'end'
              ? end
              : 'last' in from
                ? end - BigInt(from.last) > low
                  ? end - BigInt(from.last)
                  : low
                : (position ?? low);
        targets.set(key, { start, end });
      }
    }
    if (stale.length > 0) throw new StalePositionsError(stale);
    return targets;
  });

type HandOver = (
  topic: string,
  partition: number,
  messages: readonly KafkaMessage[],
  nextOffset: string,
) => void | Promise<void>;

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
        records.push({ offset: message.offset, event: decoded.value });
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

const DEFAULT_TIMEOUT_MS = 60_000;
/** Bounded reads are short: a fetch with nothing new waits 100 ms, not 500. */
const BOUNDED_FETCH: FetchSettings = { ...LATENCY_FIRST_FETCH, maxWaitTimeInMs: 100 };
/** Deleting a reader's group is a courtesy (an empty group without offsets expires by itself). */
const GROUP_DELETE_TIMEOUT_MS = 5_000;

/**
 * The reader itself, for given start and end offsets per partition (`read` works them out from
 * `from`; a state restore asks for windows of its own).
 */
export const startReader = async (options: {
  readonly kafka: KafkaClient;
  readonly logger: Logger;
  readonly topics: readonly string[];
  /** By `topic/partition`; partitions of the topics not here are paused. */
  readonly targets: ReadonlyMap<string, Target>;
  /** Stop at the targets' ends (and hand over nothing past them), or follow. */
  readonly bounded: boolean;
  readonly handOver: HandOver;
  readonly onStopped?: () => Promise<unknown>;
  readonly groupPrefix?: string | undefined;
  readonly maxRecordsPerCall?: number | undefined;
  readonly onFatal?: ((error: unknown) => void) | undefined;
  readonly timeoutMs?: number | undefined;
  readonly fetch?: FetchSettings | undefined;
  readonly partitionsConsumedConcurrently?: number | undefined;
  readonly sessionTimeoutMs?: number | undefined;
  readonly onLag?: OnLag | undefined;
}): Promise<Reader> => {
  const { kafka, logger, targets, bounded } = options;
  if (bounded && [...targets.values()].every((target) => target.start >= target.end)) {
    await options.onStopped?.();
    return finishedReader;
  }
  const groupId = `${options.groupPrefix ?? `${kafka.clientId}-read`}-${randomUUID()}`;
  // The next offset to read of each partition: where a rejoin seeks to.
  const positions = new Map([...targets].map(([key, target]) => [key, target.start]));
  const advance = (key: string, next: bigint) => {
    if (next > (positions.get(key) ?? 0n)) positions.set(key, next);
  };

  let caughtUp = false;
  let onCaughtUp: () => void = () => undefined;
  const caughtUpPromise = new Promise<void>((resolve) => (onCaughtUp = resolve));
  let settle: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  done.catch(() => undefined); // a caller may only stop(); the failure went to onFatal too

  let member: Awaited<ReturnType<typeof startMember>> | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (failure?: unknown): Promise<void> => {
    stopping ??= (async () => {
      clearTimeout(timer);
      await member?.stop().catch(() => undefined);
      await options.onStopped?.().catch(() => undefined);
      await deleteGroup(kafka, groupId);
      if (failure === undefined) settle?.resolve();
      else settle?.reject(failure);
    })();
    return stopping;
  };
  const fail = (error: unknown) => {
    options.onFatal?.(error);
    void stop(error);
  };

  const checkCaughtUp = () => {
    if (caughtUp) return;
    for (const [key, target] of targets) if ((positions.get(key) ?? 0n) < target.end) return;
    caughtUp = true;
    onCaughtUp();
    if (bounded) void stop();
  };

  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timer = bounded
    ? setTimeout(
        () =>
          fail(
            new Error(
              `timed out after ${timeoutMs} ms reading ${options.topics.join(', ')} to its end`,
            ),
          ),
        timeoutMs,
      )
    : undefined;

  // One slice per turn of the event loop, whatever its partition. kafkajs hands over the batches
  // of one fetch (every partition's: some 1,000 events at 1,000 rides/s) concurrently and as
  // microtasks only; without turns they were applied in one go, and with a plain yield per slice
  // they would all run in one check phase, with no request read in between. Each turn is asked
  // for only once the one before it came, so the next lands on the next turn of the loop.
  let turnTaken: Promise<void> = Promise.resolve();
  const nextTurn = () => (turnTaken = turnTaken.then(() => yieldToEventLoop()));
  const perCall = options.maxRecordsPerCall;

  const processBatch = async ({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
  }: EachBatchPayload) => {
    const { topic, partition } = batch;
    const key = keyOf(topic, partition);
    const target = targets.get(key);
    const from = positions.get(key);
    if (!target || from === undefined) return;
    const fetchedTo = BigInt(batch.lastOffset()) + 1n;
    // A bounded read hands over nothing past its end, and so does not move past it either.
    const end = bounded && fetchedTo > target.end ? target.end : fetchedTo;
    if (end <= from) return;
    // A batch fetched before a seek may overlap what was handed over already.
    const messages = batch.messages.filter((message) => {
      const offset = BigInt(message.offset);
      return offset >= from && offset < end;
    });
    let start = 0;
    do {
      if (perCall !== undefined) await nextTurn();
      // Stopping, or sought again after a rejoin: the positions say where to resume.
      if (!isRunning() || isStale() || member?.isStopping()) return;
      const slice = perCall === undefined ? messages : messages.slice(start, start + perCall);
      start += slice.length;
      // The last slice also moves past what follows its last message (transaction markers).
      const next =
        start < messages.length ? BigInt((slice.at(-1) as KafkaMessage).offset) + 1n : end;
      await options.handOver(topic, partition, slice, next.toString());
      advance(key, next);
      resolveOffset((next - 1n).toString());
    } while (start < messages.length);
    checkCaughtUp();
    await heartbeat();
  };

  const seekToPositions = (consumer: Consumer, assignment: Record<string, number[]>) => {
    for (const [topic, partitions] of Object.entries(assignment)) {
      const paused: number[] = [];
      for (const partition of partitions) {
        const key = keyOf(topic, partition);
        const next = positions.get(key);
        const target = targets.get(key);
        if (next === undefined || !target || (bounded && next >= target.end))
          paused.push(partition);
        else consumer.seek({ topic, partition, offset: next.toString() });
      }
      if (paused.length > 0) consumer.pause([{ topic, partitions: paused }]);
    }
  };

  try {
    member = await startMember({
      kafka,
      groupId,
      topics: options.topics,
      logger,
      sessionTimeoutMs: options.sessionTimeoutMs,
      fetch: options.fetch ?? (bounded ? BOUNDED_FETCH : LATENCY_FIRST_FETCH),
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
      onFatal: fail,
      onLag: options.onLag,
      joinLogLevel: bounded ? 'debug' : 'info',
      configure: (consumer) => {
        // Emitted before the first fetch after each join: the group has no commits to start from.
        consumer.on(consumer.events.GROUP_JOIN, (event) =>
          seekToPositions(consumer, event.payload.memberAssignment),
        );
        // Also emitted for batches holding only transaction markers (or aborted records), which
        // never reach eachBatch: the position moves past them.
        consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
          if (payload.batchSize > 0) return; // processBatch moved these on, in step with handOver
          const key = keyOf(payload.topic, payload.partition);
          if (!targets.has(key)) return;
          advance(key, BigInt(payload.lastOffset) + 1n);
          checkCaughtUp();
        });
      },
      eachBatch: processBatch,
    });
  } catch (error) {
    clearTimeout(timer);
    await options.onStopped?.().catch(() => undefined);
    throw error;
  }
  // Timed out while joining: stop() found no member to stop.
  if (stopping) await member.stop().catch(() => undefined);
  checkCaughtUp();

  return {
    isReady: () => member?.isReady() ?? false,
    isCaughtUp: () => caughtUp,
    caughtUp: () => caughtUpPromise,
    done,
    stop: () => stop(),
  };
};

/** A bounded read with nothing to read: done before it began. */
const finishedReader: Reader = {
  isReady: () => false,
  isCaughtUp: () => true,
  caughtUp: () => Promise.resolve(),
  done: Promise.resolve(),
  stop: () => Promise.resolve(),
};

const deleteGroup = async (kafka: KafkaClient, groupId: string): Promise<void> => {
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<void>(
    (resolve) => (timer = setTimeout(resolve, GROUP_DELETE_TIMEOUT_MS)),
  );
  await Promise.race([
    withAdmin(kafka, (admin) => admin.deleteGroups([groupId])).catch(() => undefined),
    gaveUp,
  ]);
  clearTimeout(timer);
};
