import type { Consumer, EachBatchPayload, PartitionAssigner } from 'kafkajs';
import type { Logger } from 'pino';
import { createPartitionCountGuard, type PartitionCountStatus } from './partition-count-guard';
import { kafkajsOf, type KafkaClient } from './connect';
import { isPermanentFailure, KafkaRuntimeError } from './errors';
import { backoffDelay, wait, type RetryPolicy } from './retry';

// The consumer group member that `consume` and `read` both run: supervised, batch by batch,
// offsets resolved (and committed, if at all) by its caller, stopped gracefully.

/** Kafka failing (worth trying again), as opposed to a bug or an error no retry can mend. */
export const isKafkaFailure = (error: unknown): boolean =>
  !isPermanentFailure(error) &&
  (error instanceof KafkaRuntimeError ||
    (error instanceof Error && error.name.startsWith('KafkaJS')));

/**
 * Tries of a member's first start. kafkajs' `subscribe` gives up at once when the broker it asks
 * does not know a topic yet; on a cluster, a topic created a moment ago (by this service or
 * another) is known to each broker only once it has applied the controller's record, later on a
 * busy machine. The 3-node fault test lost transaction that way at start-up (1 of 6 runs).
 */
const FIRST_START: RetryPolicy = { attempts: 10, initialDelayMs: 250, maxDelayMs: 4_000 };

const isRetriable = (error: unknown): boolean =>
  isKafkaFailure(error) && (error as { retriable?: unknown }).retriable === true;

/** How a consumer fetches: a fetch is answered once `minBytes` are ready or after `maxWaitTimeInMs`. */
export interface FetchSettings {
  readonly maxWaitTimeInMs: number;
  readonly minBytes: number;
  readonly maxBytesPerPartition: number;
  readonly maxBytes: number;
}

/**
 * For readers that must reach the end of a topic quickly (state tables restoring at start-up): a
 * fetch returns as soon as anything is there. kafkajs heartbeats between fetches, so an idle
 * fetch of 5 s (its default) would delay rebalances: 500 ms.
 */
export const LATENCY_FIRST_FETCH: FetchSettings = {
  maxWaitTimeInMs: 500,
  minBytes: 1,
  // About 1,700 ride events per partition per fetch: several transactions' worth (500 each).
  maxBytesPerPartition: 1024 * 1024,
  maxBytes: 10 * 1024 * 1024,
};

/**
 * For the group members that process the pipeline (ADR 036): a fetch waits for 256 KiB
 * (about 430 ride events) or 500 ms, so a consumer that keeps up with its input pays the fixed cost
 * of a fetch and of a transaction per hundred messages rather than per twenty. At 1,000 rides/s,
 * 64 KiB / 200 ms made transactions of about 20 rides each, and the broker's CPU per ride (it
 * works per request, ADR 036) three times what it is now. An idle hop adds up to 500 ms; a busy
 * consumer gets what piled up while it worked, so batches grow with load by themselves.
 */
export const BATCH_FIRST_FETCH: FetchSettings = {
  ...LATENCY_FIRST_FETCH,
  maxWaitTimeInMs: 500,
  minBytes: 256 * 1024,
};

/**
 * `minBytes` above `maxBytesPerPartition` is a fetch that one partition can never fill: whenever
 * the backlog sits on fewer partitions than it takes (the last ones to drain always do), every
 * fetch waits out `maxWaitTimeInMs` with data ready. Email did, at 512 KiB against 128 KiB per
 * partition: its last few thousand emails went out at 200-400 a second on an idle machine (ADR 036).
 */
export const checkFetchSettings = (fetch: FetchSettings): FetchSettings => {
  if (fetch.minBytes > fetch.maxBytesPerPartition) {
    throw new Error(
      `fetch minBytes (${fetch.minBytes}) must not exceed maxBytesPerPartition (${fetch.maxBytesPerPartition}): one partition could never fill a fetch`,
    );
  }
  return fetch;
};

/** Session timeout and a heartbeat a third of it (kafkajs defaults: 30 s and 3 s), and fetches. */
export const sessionSettings = (
  sessionTimeoutMs = 30_000,
  fetch: FetchSettings = LATENCY_FIRST_FETCH,
) => ({
  sessionTimeout: sessionTimeoutMs,
  heartbeatInterval: Math.min(3_000, Math.floor(sessionTimeoutMs / 3)),
  ...checkFetchSettings(fetch),
});

/** Called after each batch with how far the partition's end is ahead of what was consumed. */
export type OnLag = (lag: { topic: string; partition: number; messages: number }) => void;

export type Assignment = Readonly<Record<string, readonly number[]>>;

export interface MemberOptions {
  readonly kafka: KafkaClient;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly logger: Logger;
  readonly sessionTimeoutMs?: number | undefined;
  readonly fetch: FetchSettings;
  readonly partitionsConsumedConcurrently: number;
  /** Called for a crash that is not Kafka's (a bug): the service should exit. */
  readonly onFatal: (error: unknown) => void;
  readonly onLag?: OnLag | undefined;
  /** Called with each kafkajs consumer made (the first and every replacement), e.g. to listen. */
  readonly configure?: ((consumer: Consumer) => void) | undefined;
  /** Joins are logged at info ("joined consumer group"), or at debug for short-lived readers. */
  readonly joinLogLevel?: 'info' | 'debug';
  /**
   * Topics whose partition p belong together (an input and its changelog or ledger): partitions at
   * or above the smallest of their counts are left alone until the counts agree (partition-count-guard.ts).
   * `onAssigned` is then given only the partitions taken.
   */
  readonly partitionCountGuard?: readonly string[] | undefined;
  /** Awaited before the first batch after each join, with the partitions now owned. */
  readonly onAssigned?: ((assignment: Assignment) => Promise<void>) | undefined;
  /** How the group deals partitions; default kafkajs' round robin over every topic's partitions. */
  readonly partitionAssigners?: readonly PartitionAssigner[] | undefined;
  readonly eachBatch: (payload: EachBatchPayload) => Promise<void>;
}

export interface Member {
  /** True while a member of its group. */
  isReady(): boolean;
  /** The partitions owned, by topic, as of the last join. */
  assignment(): Assignment;
  /** Counts joins: partitions may have moved since a generation ago. */
  generation(): number;
  /** True once `stop` began: finish the work in hand, take no more. */
  isStopping(): boolean;
  /** Whether every owned partition is taken (see `partitionCountGuard`). */
  partitionCountStatus(): PartitionCountStatus;
  /** Stops for good: pauses intake, lets the batches in hand finish, then leaves the group. */
  stop(): Promise<void>;
}

const MAX_RELAUNCH_DELAY_MS = 30_000;

/**
 * A consumer group member that survives Kafka itself going away. kafkajs gives up on some errors
 * (e.g. "Failed to find group coordinator" while a broker restarts) and leaves the consumer
 * stopped; a half-alive service is the worst outcome, so a crash on a Kafka error starts a fresh
 * consumer with backoff, for as long as it takes. Any other crash is fatal.
 *
 * Offsets are never committed automatically and never resolved by kafkajs: the caller resolves
 * what it processed, and commits it (`consume`) or not (`read`).
 */
export const startMember = async (options: MemberOptions): Promise<Member> => {
  const { groupId, logger } = options;
  const kafka = kafkajsOf(options.kafka);
  let consumer: Consumer;
  let joined = false;
  let stopping = false;
  let generation = 0;
  let relaunches = 0;
  let assignment: Record<string, number[]> = {};
  const { onAssigned } = options;
  const guard =
    options.partitionCountGuard &&
    createPartitionCountGuard({
      kafka: options.kafka,
      topics: options.partitionCountGuard,
      logger,
    });
  // `topic/partition` of the owned partitions the guard leaves alone this generation.
  let withheld = new Set<string>();
  let stopWatching = () => undefined as void;
  const takeWhatIsSafe = async () => {
    let taken: Assignment = assignment;
    if (guard) {
      const split = await guard.check(assignment);
      taken = split.taken;
      withheld = new Set(
        Object.entries(split.withheld).flatMap(([topic, ps]) => ps.map((p) => `${topic}/${p}`)),
      );
      stopWatching();
      // kafkajs keeps a partition paused across a rebalance: those taken now are resumed.
      consumer.resume(entriesOf(split.taken));
      if (withheld.size > 0) {
        consumer.pause(entriesOf(split.withheld));
        stopWatching = guard.watch(() => void rejoin());
      }
    }
    await onAssigned?.(taken);
  };
  const prepare = onceAfterEachJoin(
    { generation: () => generation },
    onAssigned || guard ? takeWhatIsSafe : undefined,
  );
  const inHand = batchesInHand((payload) =>
    prepare().then(() =>
      withheld.has(`${payload.batch.topic}/${payload.batch.partition}`)
        ? undefined // neither processed nor resolved: read again once taken
        : options.eachBatch(payload),
    ),
  );

  const relaunch = (reason: unknown) => {
    const delay = Math.min(MAX_RELAUNCH_DELAY_MS, 500 * 2 ** Math.min(relaunches, 6));
    relaunches += 1;
    logger.warn(
      { err: reason, groupId, delayMs: delay },
      'consumer stopped on a Kafka error; starting a new one',
    );
    setTimeout(() => {
      if (stopping) return;
      launch().catch((error: unknown) => relaunch(error));
    }, delay);
  };

  const launch = async () => {
    const created = kafka.consumer({
      groupId,
      readUncommitted: false,
      ...sessionSettings(options.sessionTimeoutMs, options.fetch),
      ...(options.partitionAssigners && { partitionAssigners: [...options.partitionAssigners] }),
    });
    consumer = created;
    const onLag = options.onLag;
    if (onLag) {
      created.on(created.events.END_BATCH_PROCESS, ({ payload }) =>
        onLag({
          topic: payload.topic,
          partition: payload.partition,
          messages: Number(payload.offsetLag),
        }),
      );
    }
    created.on(created.events.GROUP_JOIN, (event) => {
      joined = true;
      relaunches = 0;
      generation += 1;
      assignment = event.payload.memberAssignment;
      logger[options.joinLogLevel ?? 'info']({ groupId, assignment }, 'joined consumer group');
    });
    options.configure?.(created);
    created.on(created.events.STOP, () => (joined = false));
    created.on(created.events.CRASH, (event) => {
      joined = false;
      if (event.payload.restart || stopping) return;
      // kafkajs gives up at once on a non-retriable error and wraps it as a KafkaJS error: one no
      // retry can mend (a state snapshot failing its schema) must end the process, not relaunch
      // the consumer into the same failure for ever.
      if (isKafkaFailure(event.payload.error)) return relaunch(event.payload.error);
      logger.error({ err: event.payload.error, groupId }, 'consumer crashed and will not restart');
      options.onFatal(event.payload.error);
    });
    try {
      await created.connect();
      for (const topic of options.topics) await created.subscribe({ topic, fromBeginning: true });
      await created.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
        eachBatch: inHand.eachBatch,
      });
    } catch (error) {
      await created.disconnect().catch(() => undefined);
      throw error;
    }
  };

  /**
   * Leaves the group and joins again with a new consumer: the co-partitioned counts now agree, and
   * only a new assignment (every member's `onAssigned` again) takes the withheld partitions. A
   * growth of a topic the member subscribes to rejoins by itself (kafkajs sees it in the metadata);
   * one of a changelog or ledger it only checks does not.
   */
  const rejoin = async () => {
    if (stopping) return;
    logger.info({ groupId }, 'partition counts agree: rejoining to take every owned partition');
    try {
      consumer.pause(options.topics.map((topic) => ({ topic })));
    } catch {
      // crashed already: nothing in hand
    }
    await inHand.drain();
    await consumer.disconnect().catch(() => undefined);
    inHand.reopen();
    if (stopping) return;
    launch().catch((error: unknown) => relaunch(error));
  };

  for (let attempt = 1; ; attempt += 1) {
    try {
      await launch();
      break;
    } catch (error) {
      if (attempt >= FIRST_START.attempts || !isRetriable(error)) throw error;
      logger.warn({ err: error, groupId, attempt }, 'consumer could not start; trying again');
      await wait(backoffDelay(FIRST_START, attempt));
    }
  }
  return {
    isReady: () => joined,
    assignment: () => assignment,
    generation: () => generation,
    isStopping: () => stopping,
    partitionCountStatus: () => guard?.status() ?? { ok: true },
    stop: async () => {
      stopping = true;
      stopWatching();
      // kafkajs drops commits made once `disconnect()` has begun, so a graceful stop first pauses
      // intake and lets the batches in hand finish and commit while the consumer still runs.
      try {
        consumer.pause(options.topics.map((topic) => ({ topic })));
      } catch {
        // A consumer that crashed has no group left to pause, and no batch in hand.
      }
      await inHand.drain();
      await consumer.disconnect();
    },
  };
};

/** The options every committing consumer (`consume`) gives its member, with their defaults. */
export interface CommittingMemberOptions {
  readonly kafka: KafkaClient;
  readonly groupId: string;
  readonly contracts: readonly { readonly name: string }[];
  readonly logger: Logger;
  readonly onFatal: (error: unknown) => void;
  readonly partitionsConsumedConcurrently?: number | undefined;
  readonly sessionTimeoutMs?: number | undefined;
  readonly partitionCountGuard?: readonly string[] | undefined;
  readonly onLag?: OnLag | undefined;
  readonly fetch?: FetchSettings | undefined;
  readonly onAssigned?: ((assignment: Assignment) => Promise<void>) | undefined;
  readonly partitionAssigners?: readonly PartitionAssigner[] | undefined;
}

/** A member of a consumer group that commits: three partitions at a time, batch-first fetches. */
export const startCommittingMember = (
  options: CommittingMemberOptions,
  eachBatch: (payload: EachBatchPayload) => Promise<void>,
): Promise<Member> =>
  startMember({
    kafka: options.kafka,
    groupId: options.groupId,
    topics: options.contracts.map((contract) => contract.name),
    logger: options.logger,
    sessionTimeoutMs: options.sessionTimeoutMs,
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 3,
    onFatal: options.onFatal,
    partitionCountGuard: options.partitionCountGuard,
    onLag: options.onLag,
    fetch: options.fetch ?? BATCH_FIRST_FETCH,
    onAssigned: options.onAssigned,
    partitionAssigners: options.partitionAssigners,
    eachBatch,
  });

const entriesOf = (assignment: Assignment) =>
  Object.entries(assignment).map(([topic, partitions]) => ({ topic, partitions: [...partitions] }));

/** Keeps count of the batches in hand, so that a graceful stop can wait for them. */
const batchesInHand = (processBatch: (payload: EachBatchPayload) => Promise<void>) => {
  let draining = false;
  const inFlight = new Set<Promise<void>>();
  return {
    eachBatch: async (payload: EachBatchPayload) => {
      if (draining) return;
      const running = processBatch(payload);
      inFlight.add(running);
      try {
        await running;
      } finally {
        inFlight.delete(running);
      }
    },
    drain: async () => {
      draining = true;
      await Promise.allSettled(inFlight);
    },
    /** After a drain for a rejoin: batches of the next consumer are taken again. */
    reopen: () => {
      draining = false;
    },
  };
};

/** Runs `prepare` once per group generation, shared by the partitions processed concurrently. */
export const onceAfterEachJoin = (
  membership: { generation(): number },
  prepare: (() => Promise<void>) | undefined,
): (() => Promise<void>) => {
  let preparedFor = -1;
  let running: { generation: number; promise: Promise<void> } | undefined;
  return async () => {
    if (!prepare) return;
    const generation = membership.generation();
    if (preparedFor === generation) return;
    if (running?.generation !== generation) {
      const promise = prepare().then(() => {
        preparedFor = generation;
      });
      running = { generation, promise };
      // Forget only this attempt: a later generation's prepare may already have replaced it.
      promise.catch(() => {
        if (running?.promise === promise) running = undefined;
      });
    }
    await running.promise;
  };
};
