import type { EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { EventOf, TopicContract } from '@taxi/events';
import {
  isRedrivenForAnotherService,
  sendToDeadLetter,
  type DeadLetterReason,
} from './dead-letter';
import {
  contractsByTopic,
  decodeInbound,
  nextOffset,
  type Inbound,
  type MessageContext,
} from './inbound';
import {
  batchesInHand,
  isKafkaFailure,
  startManualCommitMember,
  type FetchSettings,
  type OnLag,
  type SupervisedConsumer,
} from './supervised-consumer';
import { backoffDelay, defaultRetryPolicy, wait, type RetryPolicy } from './retry';
import { failureKind, processInSpan } from './tracing';

export interface ConsumerOptions<Contract extends TopicContract> {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly contracts: readonly Contract[];
  /** Named in dead-letter headers. */
  readonly service: string;
  readonly logger: Logger;
  /**
   * Does the work for one event. Throwing retries it with backoff; after the retry budget, or at
   * once for errors `isRetriable` says no to, the message goes to the dead-letter topic.
   */
  readonly handle: (event: EventOf<Contract>, context: MessageContext) => Promise<void>;
  readonly isRetriable?: (error: unknown) => boolean;
  readonly retry?: RetryPolicy;
  /** Partitions processed in parallel, so one slow partition does not hold up the others. */
  readonly partitionsConsumedConcurrently?: number;
  /** Called when the consumer has stopped for good; the service should exit. */
  readonly onFatal: (error: unknown) => void;
  /** How long the group waits for a silent member before giving its partitions to others. */
  readonly sessionTimeoutMs?: number;
  /** Reports consumer lag per partition after each batch (for a metric). */
  readonly onLag?: OnLag;
  /**
   * Awaited before the first batch after each (re)join of the group, with the partitions now
   * owned, e.g. to restore their state from what their previous owner wrote.
   */
  readonly beforeFirstBatchAfterJoin?: (
    assignment: Readonly<Record<string, readonly number[]>>,
  ) => Promise<void>;
}

export interface RunningConsumer {
  /** True while the consumer is a member of its group with partitions assigned or waiting. */
  isReady(): boolean;
  /** The partitions this member owns, by topic, as of its last join. */
  assignment(): Readonly<Record<string, readonly number[]>>;
  /** Stops fetching, finishes the batch in hand, commits, leaves the group. */
  stop(): Promise<void>;
}

export const errorText = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/**
 * Runs a consumer group member with manual commits (at least once): an offset is committed only
 * after its message was handled or dead-lettered. Handlers must therefore be idempotent.
 */
export const startConsumer = async <Contract extends TopicContract>(
  options: ConsumerOptions<Contract>,
): Promise<RunningConsumer> => {
  const { service, handle } = options;
  const retry = options.retry ?? defaultRetryPolicy;
  const isRetriable = options.isRetriable ?? (() => true);

  return runManualCommitGroup(options, async (payload, tools) => {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;

    const handleWithRetry = async (
      event: EventOf<Contract>,
      context: MessageContext,
    ): Promise<DeadLetterReason | undefined> => {
      for (let attempt = 1; ; attempt += 1) {
        try {
          await handle(event, context);
          return undefined;
        } catch (error) {
          // Kafka itself failing is no fault of the message: give the batch back (uncommitted)
          // and let kafkajs retry it, rather than spend the message's retry budget.
          if (isKafkaFailure(error)) throw error;
          const lastTry = attempt >= retry.attempts || !isRetriable(error);
          context.logger.warn({ err: error, attempt, lastTry }, 'handling failed');
          if (lastTry) return failedAfter(service, attempt, error);
          if (!isRunning() || isStale()) throw error;
          await wait(backoffDelay(retry, attempt));
          await heartbeat();
        }
      }
    };

    let lastDone: string | undefined;
    try {
      for (const message of batch.messages) {
        if (tools.stopping() || !isRunning() || isStale()) break;
        if (isRedrivenForAnotherService(message, service)) {
          resolveOffset(message.offset);
          lastDone = message.offset;
          continue;
        }
        const inbound = tools.decode(batch.topic, batch.partition, message);
        const failure = inbound.ok
          ? await processInSpan(
              batch.topic,
              batch.partition,
              options.groupId,
              message,
              () => handleWithRetry(inbound.event, inbound.context),
              failureKind,
            )
          : { ...inbound.why, service };
        if (failure) await tools.deadLetter(batch.topic, batch.partition, message, failure);
        resolveOffset(message.offset);
        lastDone = message.offset;
        await heartbeat();
      }
    } finally {
      if (lastDone !== undefined) await tools.commit(payload, lastDone);
    }
  });
};

export const failedAfter = (
  service: string,
  attempts: number,
  error: unknown,
): DeadLetterReason => ({ kind: 'processing_failed', reason: errorText(error), service, attempts });

/** What a batch processor gets from the group runner besides the kafkajs batch. */
export interface BatchTools<Contract extends TopicContract> {
  /** True once a graceful stop began: finish the work in hand, take no more. */
  stopping(): boolean;
  decode(topic: string, partition: number, message: KafkaMessage): Inbound<Contract>;
  deadLetter(
    topic: string,
    partition: number,
    message: KafkaMessage,
    why: DeadLetterReason,
  ): Promise<void>;
  /** Commits the partition up to and including `lastDone`. */
  commit(payload: EachBatchPayload, lastDone: string): Promise<void>;
}

type GroupOptions<Contract extends TopicContract> = Omit<
  ConsumerOptions<Contract>,
  'handle' | 'isRetriable' | 'retry'
> & { readonly fetch?: FetchSettings | undefined };

/**
 * The plumbing shared by the per-message and the batch consumer: the group member, the
 * dead-letter producer, the hook after each join, and a graceful stop that lets the batches in
 * hand finish and commit.
 */
export const runManualCommitGroup = async <Contract extends TopicContract>(
  options: GroupOptions<Contract>,
  processBatch: (payload: EachBatchPayload, tools: BatchTools<Contract>) => Promise<void>,
): Promise<RunningConsumer> => {
  const { kafka, groupId, logger } = options;
  const byTopic = contractsByTopic(options.contracts);
  const deadLetters: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  // Set once the group is started; batches only run after that.
  const membership: { current?: SupervisedConsumer } = {};

  const tools: BatchTools<Contract> = {
    stopping: () => inHand.isStopping(),
    decode: (topic, partition, message) =>
      decodeInbound(byTopic, topic, partition, message, logger),
    deadLetter: (topic, partition, message, why) =>
      sendToDeadLetter(
        deadLetters,
        { topic, partition, message, deadLetterTopic: byTopic.get(topic)?.deadLetter.name },
        why,
        logger,
      ),
    commit: (payload, lastDone) =>
      payload.commitOffsetsIfNecessary({
        topics: [
          {
            topic: payload.batch.topic,
            partitions: [{ partition: payload.batch.partition, offset: nextOffset(lastDone) }],
          },
        ],
      }),
  };

  const restoreAfterJoin = options.beforeFirstBatchAfterJoin;
  const prepare = onceAfterEachJoin(
    { generation: () => membership.current?.generation() ?? 0 },
    restoreAfterJoin && (() => restoreAfterJoin(membership.current?.assignment() ?? {})),
  );

  // kafkajs drops commits made once `disconnect()` has begun, so a graceful stop first pauses
  // intake and lets the batches in hand finish and commit while the consumer still runs.
  const inHand = batchesInHand(options.contracts, (payload) =>
    prepare().then(() => processBatch(payload, tools)),
  );

  await deadLetters.connect();
  const supervised = await startManualCommitMember({
    kafka,
    groupId,
    contracts: options.contracts,
    logger,
    sessionTimeoutMs: options.sessionTimeoutMs,
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
    onFatal: options.onFatal,
    onLag: options.onLag,
    fetch: options.fetch,
    eachBatch: inHand.eachBatch,
  });
  membership.current = supervised;

  return {
    isReady: supervised.isReady,
    assignment: supervised.assignment,
    stop: async () => {
      await supervised.stop(inHand.drain);
      await deadLetters.disconnect();
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
