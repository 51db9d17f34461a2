import { randomUUID } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { fetchTopicOffsets } from './topic-offsets';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import type { EventOf, TopicContract } from '@taxi/events';
import { isRedrivenForAnotherService, sendToDeadLetter } from './dead-letter';
import { contractsByTopic, decodeInbound } from './inbound';
import {
  batchesInHand,
  startManualCommitMember,
  type FetchSettings,
  type OnLag,
} from './supervised-consumer';

/** Where a local store stands in one partition: the next offset it has not applied yet. */
export interface StoredPosition {
  readonly topic: string;
  readonly partition: number;
  readonly nextOffset: string;
}

/** The decoded events of one fetched batch of one partition, and the position after it. */
export interface FeedBatch<Contract extends TopicContract> {
  readonly topic: string;
  readonly partition: number;
  readonly events: readonly EventOf<Contract>[];
  readonly nextOffset: string;
}

export interface StoreFeedOptions<Contract extends TopicContract> {
  readonly kafka: Kafka;
  readonly contracts: readonly Contract[];
  /** Named in dead-letter headers and re-drive targets. */
  readonly service: string;
  /** Each start joins a group of its own, `<prefix>-<random>`, that never commits offsets. */
  readonly groupPrefix: string;
  readonly logger: Logger;
  /** The store's own positions, read at start and at every (re)join of the group. */
  readonly positions: () => readonly StoredPosition[];
  /**
   * Writes a batch's events and its `nextOffset` to the store in one local transaction, so that
   * the stored position never runs ahead of (or behind) the stored rows. Throwing is fatal.
   */
  readonly apply: (batch: FeedBatch<Contract>) => void | Promise<void>;
  /**
   * Empties the store. Called at start when a stored position is past the end of its partition:
   * the topics were deleted and created again since, so what the store holds is of another log.
   */
  readonly reset: () => void;
  readonly onFatal: (error: unknown) => void;
  readonly onLag?: OnLag;
  readonly sessionTimeoutMs?: number;
  readonly partitionsConsumedConcurrently?: number;
  /** Default: BATCH_FIRST_FETCH. Smaller fetches hold less memory at once while catching up. */
  readonly fetch?: FetchSettings;
  /**
   * Most events handed to `apply` at once (default 500): a fetched batch is applied in slices
   * of this size, each with its own position, each after a yield to the event loop, so a store
   * written on the same thread as an HTTP server never holds it up for long.
   */
  readonly maxEventsPerApply?: number;
}

export interface StoreFeed {
  /** True while a member of its group. */
  isReady(): boolean;
  /** True once the store has applied everything the topics held when the feed started. */
  isCaughtUp(): boolean;
  /** Resolves when `isCaughtUp()` turns true. */
  caughtUp(): Promise<void>;
  /** Finishes the batch in hand and leaves the group. */
  stop(): Promise<void>;
}

const key = (topic: string, partition: number) => `${topic}/${partition}`;

/**
 * Keeps a local store up to date with every partition of some topics, resuming from the
 * positions the store itself recorded rather than from a consumer group's commits, so a restart
 * reads only what is new; an empty (or lost) store reads the topics from the beginning.
 *
 * kafkajs cannot assign partitions by hand, so the feed joins a group of its own (it gets every
 * partition) and seeks each partition to the store's position whenever it joins. It never
 * commits to the group: the store is the only record of how far it got.
 */
export const startStoreFeed = async <Contract extends TopicContract>(
  options: StoreFeedOptions<Contract>,
): Promise<StoreFeed> => {
  const { kafka, service, logger } = options;
  const byTopic = contractsByTopic(options.contracts);
  const ends = await endOffsets(
    kafka,
    options.contracts.map((contract) => contract.name),
  );

  const stored = options.positions();
  const stale = stored.filter(
    (position) =>
      BigInt(position.nextOffset) > (ends.get(key(position.topic, position.partition))?.high ?? 0n),
  );
  if (stale.length > 0) {
    logger.warn(
      { positions: stale.map((p) => `${key(p.topic, p.partition)}@${p.nextOffset}`) },
      'local store is ahead of the topics (they were created again): rebuilding it from the topics',
    );
    options.reset();
  }

  // How far the store has got in each partition; also moved past batches of transaction markers
  // only, which never reach `apply`, so that catching up can finish on a transactional topic.
  const reached = new Map<string, bigint>(
    options.positions().map((p) => [key(p.topic, p.partition), BigInt(p.nextOffset)]),
  );
  const advance = (topic: string, partition: number, next: bigint) => {
    if (next > (reached.get(key(topic, partition)) ?? 0n)) reached.set(key(topic, partition), next);
  };

  const startedAt = Date.now();
  let eventsApplied = 0;
  let caughtUp = false;
  let onCaughtUp: () => void = () => undefined;
  const caughtUpPromise = new Promise<void>((resolve) => (onCaughtUp = resolve));
  const checkCaughtUp = () => {
    if (caughtUp) return;
    for (const [partition, end] of ends) {
      if (end.high > end.low && (reached.get(partition) ?? 0n) < end.high) return;
    }
    caughtUp = true;
    logger.info(
      { eventsApplied, durationMs: Date.now() - startedAt },
      'local store caught up with the topics',
    );
    onCaughtUp();
  };

  logger.info(
    {
      resumeFrom: Object.fromEntries(
        [...reached].map(([partition, offset]) => [partition, offset.toString()]),
      ),
      endOffsets: Object.fromEntries(
        [...ends].map(([partition, end]) => [partition, end.high.toString()]),
      ),
    },
    reached.size === 0
      ? 'local store is empty: reading the topics from the beginning'
      : 'local store resuming from its own positions',
  );
  checkCaughtUp();

  const deadLetters = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await deadLetters.connect();

  const seekToStoredPositions = (consumer: Consumer, assignment: Record<string, number[]>) => {
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const partition of partitions) {
        const next = reached.get(key(topic, partition));
        if (next !== undefined) consumer.seek({ topic, partition, offset: next.toString() });
      }
    }
  };

  const maxEventsPerApply = options.maxEventsPerApply ?? 500;
  const decodeAll = async (topic: string, partition: number, messages: readonly KafkaMessage[]) => {
    const events: EventOf<Contract>[] = [];
    for (const message of messages) {
      if (isRedrivenForAnotherService(message, service)) continue;
      const inbound = decodeInbound(byTopic, topic, partition, message, logger);
      if (inbound.ok) events.push(inbound.event);
      else {
        const deadLetterTopic = byTopic.get(topic)?.deadLetter.name;
        await sendToDeadLetter(
          deadLetters,
          { topic, partition, message, deadLetterTopic },
          { ...inbound.why, service },
          logger,
        );
      }
    }
    return events;
  };

  // One slice per turn of the event loop, whatever its partition. kafkajs hands over the batches
  // of one fetch (every partition's: some 1,000 events at 1,000 rides/s) concurrently and as
  // microtasks only; without turns they were applied in one go, and with a plain yield per slice
  // they would all run in one check phase, with no request read in between. Each turn is asked
  // for only once the one before it came, so the next lands on the next turn of the loop.
  let turnTaken: Promise<void> = Promise.resolve();
  const nextTurn = () => (turnTaken = turnTaken.then(() => yieldToEventLoop()));

  const processBatch = async ({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
  }: EachBatchPayload) => {
    const { topic, partition } = batch;
    const from = reached.get(key(topic, partition)) ?? 0n;
    const end = BigInt(batch.lastOffset()) + 1n;
    if (end <= from) return;
    // A batch fetched before a seek may overlap what the store already has.
    const messages = batch.messages.filter((message) => BigInt(message.offset) >= from);
    let start = 0;
    do {
      await nextTurn();
      // Stopping, or sought again after a rejoin: the store's position says where to resume.
      if (!isRunning() || isStale()) return;
      const slice = messages.slice(start, start + maxEventsPerApply);
      start += slice.length;
      // The last slice also moves past what follows its last message (transaction markers).
      const next =
        start < messages.length ? BigInt((slice.at(-1) as KafkaMessage).offset) + 1n : end;
      const events = await decodeAll(topic, partition, slice);
      await options.apply({ topic, partition, events, nextOffset: next.toString() });
      eventsApplied += events.length;
      advance(topic, partition, next);
      resolveOffset((next - 1n).toString());
    } while (start < messages.length);
    checkCaughtUp();
    await heartbeat();
  };

  const inHand = batchesInHand(options.contracts, processBatch);
  const supervised = await startManualCommitMember({
    kafka,
    groupId: `${options.groupPrefix}-${randomUUID()}`,
    contracts: options.contracts,
    logger,
    sessionTimeoutMs: options.sessionTimeoutMs,
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
    fetch: options.fetch,
    onFatal: options.onFatal,
    onLag: options.onLag,
    configure: (consumer) => {
      // Emitted before the first fetch after each join: the group has no commits to start from.
      consumer.on(consumer.events.GROUP_JOIN, (event) =>
        seekToStoredPositions(consumer, event.payload.memberAssignment),
      );
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        if (payload.batchSize > 0) return; // `apply` moved these on, in step with the store
        advance(payload.topic, payload.partition, BigInt(payload.lastOffset) + 1n);
        checkCaughtUp();
      });
    },
    eachBatch: inHand.eachBatch,
  });

  return {
    isReady: supervised.isReady,
    isCaughtUp: () => caughtUp,
    caughtUp: () => caughtUpPromise,
    stop: async () => {
      await supervised.stop(inHand.drain);
      await deadLetters.disconnect();
    },
  };
};

/** The first and next-to-be-written offset of every partition of the topics, now. */
const endOffsets = async (
  kafka: Kafka,
  topics: readonly string[],
): Promise<Map<string, { low: bigint; high: bigint }>> => {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = new Map<string, { low: bigint; high: bigint }>();
    for (const topic of topics) {
      for (const end of await fetchTopicOffsets(admin, topic)) {
        ends.set(key(topic, end.partition), { low: BigInt(end.low), high: BigInt(end.high) });
      }
    }
    return ends;
  } finally {
    await admin.disconnect();
  }
};
