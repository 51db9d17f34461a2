import type { EachBatchPayload, Kafka, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { EventOf, TopicContract } from '@taxi/events';
import {
  deadLetterMessage,
  isRedrivenForAnotherService,
  type DeadLetterReason,
} from './dead-letter';
import { contractsByTopic, decodeInbound, nextOffset, type MessageContext } from './inbound';
import {
  isKafkaFailure,
  startManualCommitMember,
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
   * Awaited before the first batch after each (re)join of the group, e.g. to catch up with a
   * state topic that the previous owner of a partition wrote to.
   */
  readonly beforeFirstBatchAfterJoin?: () => Promise<void>;
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
  const { kafka, groupId, service, logger, handle } = options;
  const retry = options.retry ?? defaultRetryPolicy;
  const isRetriable = options.isRetriable ?? (() => true);
  const byTopic = contractsByTopic(options.contracts);
  const deadLetters: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  // Set once the group is started; batches only run after that.
  const membership: { current?: SupervisedConsumer } = {};

  const deadLetter = async (
    payload: EachBatchPayload,
    message: EachBatchPayload['batch']['messages'][number],
    why: DeadLetterReason,
  ) => {
    const { topic, partition } = payload.batch;
    const contract = byTopic.get(topic);
    const target = contract ? contract.deadLetter.name : `${topic}.dlq`;
    await deadLetters.send({
      topic: target,
      acks: -1,
      messages: [deadLetterMessage({ topic, partition, message }, why)],
    });
    logger.warn(
      {
        source: `${topic}/${partition}@${message.offset}`,
        kind: why.kind,
        reason: why.reason,
        deadLetterTopic: target,
      },
      'message dead-lettered',
    );
  };

  const handleWithRetry = async (
    payload: EachBatchPayload,
    event: EventOf<Contract>,
    context: MessageContext,
  ): Promise<DeadLetterReason | undefined> => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await handle(event, context);
        return undefined;
      } catch (error) {
        // Kafka itself failing is no fault of the message: give the batch back (uncommitted) and
        // let kafkajs retry it, rather than spend the message's retry budget or dead-letter it.
        if (isKafkaFailure(error)) throw error;
        const lastTry = attempt >= retry.attempts || !isRetriable(error);
        context.logger.warn({ err: error, attempt, lastTry }, 'handling failed');
        if (lastTry)
          return {
            kind: 'processing_failed',
            reason: errorText(error),
            service,
            attempts: attempt,
          };
        if (!payload.isRunning() || payload.isStale()) throw error;
        await wait(backoffDelay(retry, attempt));
        await payload.heartbeat();
      }
    }
  };

  const prepare = onceAfterEachJoin(
    { generation: () => membership.current?.generation() ?? 0 },
    options.beforeFirstBatchAfterJoin,
  );

  let stopping = false;
  const inFlight = new Set<Promise<void>>();

  const processBatch = async (payload: EachBatchPayload) => {
    await prepare();
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    let lastDone: string | undefined;
    try {
      for (const message of batch.messages) {
        if (stopping || !isRunning() || isStale()) break;
        if (isRedrivenForAnotherService(message, service)) {
          resolveOffset(message.offset);
          lastDone = message.offset;
          continue;
        }
        const inbound = decodeInbound(byTopic, batch.topic, batch.partition, message, logger);
        const failure = inbound.ok
          ? await processInSpan(
              batch.topic,
              batch.partition,
              groupId,
              message,
              () => handleWithRetry(payload, inbound.event, inbound.context),
              failureKind,
            )
          : { ...inbound.why, service };
        if (failure) await deadLetter(payload, message, failure);
        resolveOffset(message.offset);
        lastDone = message.offset;
        await heartbeat();
      }
    } finally {
      if (lastDone !== undefined) {
        await payload.commitOffsetsIfNecessary({
          topics: [
            {
              topic: batch.topic,
              partitions: [{ partition: batch.partition, offset: nextOffset(lastDone) }],
            },
          ],
        });
      }
    }
  };

  // kafkajs drops commits made once `disconnect()` has begun, so a graceful stop first pauses
  // intake and lets the batches in hand finish and commit while the consumer still runs.
  const eachBatch = async (payload: EachBatchPayload) => {
    if (stopping) return;
    const running = processBatch(payload);
    inFlight.add(running);
    try {
      await running;
    } finally {
      inFlight.delete(running);
    }
  };

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
    eachBatch,
  });
  membership.current = supervised;

  return {
    isReady: supervised.isReady,
    assignment: supervised.assignment,
    stop: async () => {
      stopping = true;
      await supervised.stop(async (consumer) => {
        consumer.pause(options.contracts.map((contract) => ({ topic: contract.name })));
        await Promise.allSettled(inFlight);
      });
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
