import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import type { EventOf, TopicContract } from '@taxi/events';
import { kafkajsOf } from './connect';
import type { AtLeastOnceOptions, RunningConsumer } from './consume';
import {
  errorText,
  failedAfter,
  isRedrivenForAnotherService,
  sendToDeadLetter,
  type DeadLetterReason,
} from './dead-letter';
import { contractsByTopic, decodeInbound, nextOffset, type MessageContext } from './inbound';
import { isKafkaFailure, startCommittingMember, type Member } from './member';
import { backoffDelay, defaultRetryPolicy, wait, type RetryPolicy } from './retry';
import { processInSpan } from './tracing';

export interface BatchEntry<Contract extends TopicContract> {
  readonly event: EventOf<Contract>;
  readonly context: MessageContext;
  /**
   * Runs the work done for this one message inside its "process" span (a child of the span that
   * created the message); with tracing off, just runs it.
   */
  readonly inSpan: <T>(work: () => T) => T;
}

/** The entries of a batch that failed, each with its error; the others are done. */
export type BatchFailures<Contract extends TopicContract> = ReadonlyMap<
  BatchEntry<Contract>,
  unknown
>;

/**
 * Does the work for a batch of one partition's events at once and says which failed. Failed
 * entries are tried again together, with backoff, until the retry budget or a non-retriable
 * error sends them to the dead-letter topic. Throwing (Kafka failing) hands the whole batch back
 * uncommitted for kafkajs to fetch again.
 */
export type BatchHandler<Contract extends TopicContract> = (
  entries: readonly BatchEntry<Contract>[],
  source: {
    readonly topic: string;
    readonly partition: number;
    /** True once a graceful stop began: start no new work; what is not done is redelivered. */
    readonly stopping: () => boolean;
  },
) => Promise<BatchFailures<Contract>>;

/**
 * A handler of one event at a time, as a batch handler: each entry in turn, inside its span. With
 * `maxBatchSize: 1` every message is handled, retried and committed on its own.
 */
export const eachMessage =
  <Contract extends TopicContract>(
    handle: (event: EventOf<Contract>, context: MessageContext) => Promise<void>,
  ): BatchHandler<Contract> =>
  async (entries) => {
    const failures = new Map<BatchEntry<Contract>, unknown>();
    for (const entry of entries) {
      try {
        await entry.inSpan(() => handle(entry.event, entry.context));
      } catch (error) {
        failures.set(entry, error);
      }
    }
    return failures;
  };

/**
 * A consumer group member that hands its handler a batch of events per partition, then commits
 * the batch: at least once, with one commit and one handler call per batch.
 */
export const runAtLeastOnce = async <Contract extends TopicContract>(
  options: AtLeastOnceOptions<Contract>,
): Promise<RunningConsumer> => {
  const { groupId, service, handle, maxBatchSize, logger } = options;
  if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1) {
    throw new Error(`maxBatchSize must be a positive integer, got ${maxBatchSize}`);
  }
  const retry = options.retry ?? defaultRetryPolicy;
  const isRetriable = options.isRetriable ?? (() => true);
  const byTopic = contractsByTopic(options.contracts);
  const deadLetters = kafkajsOf(options.kafka).producer({
    idempotent: true,
    maxInFlightRequests: 1,
  });
  // Set once the group is started; batches only run after that.
  const membership: { current?: Member } = {};
  const stopping = () => membership.current?.isStopping() ?? false;

  const deadLetter = (
    topic: string,
    partition: number,
    message: KafkaMessage,
    why: DeadLetterReason,
  ) =>
    sendToDeadLetter(
      deadLetters,
      { topic, partition, message, deadLetterTopic: byTopic.get(topic)?.deadLetter.name },
      why,
      logger,
    );

  const processBatch = async (payload: EachBatchPayload) => {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const { topic, partition } = batch;
    for (let from = 0; from < batch.messages.length; from += maxBatchSize) {
      if (stopping() || !isRunning() || isStale()) return;
      const chunk = batch.messages.slice(from, from + maxBatchSize);
      const messageOf = new Map<BatchEntry<Contract>, KafkaMessage>();
      for (const message of chunk) {
        if (isRedrivenForAnotherService(message, service)) continue;
        const inbound = decodeInbound(byTopic, topic, partition, message, logger);
        if (inbound.ok) {
          const inSpan = <T>(work: () => T): T =>
            processInSpan(topic, partition, groupId, message, work);
          messageOf.set({ event: inbound.event, context: inbound.context, inSpan }, message);
        } else {
          await deadLetter(topic, partition, message, { ...inbound.why, service });
        }
      }
      const settled = await retryBatch({
        entries: [...messageOf.keys()],
        handle: (entries) => handle(entries, { topic, partition, stopping }),
        stopping,
        retry,
        isRetriable,
        service,
        logger: logger.child({ topic, partition }),
        deadLetter: async (entry, why) => {
          const message = messageOf.get(entry);
          if (message) await deadLetter(topic, partition, message, why);
        },
        beforeNextTry: async (attempt, error) => {
          if (!isRunning() || isStale()) throw error;
          await wait(backoffDelay(retry, attempt));
          await heartbeat();
        },
      });
      // Stopping with entries not done: leave the chunk uncommitted for the next owner.
      if (!settled) return;
      const last = chunk[chunk.length - 1] as KafkaMessage;
      resolveOffset(last.offset);
      await payload.commitOffsetsIfNecessary({
        topics: [{ topic, partitions: [{ partition, offset: nextOffset(last.offset) }] }],
      });
      await heartbeat();
    }
  };

  await deadLetters.connect();
  const member = await startCommittingMember(options, processBatch);
  membership.current = member;

  return {
    isReady: member.isReady,
    assignment: member.assignment,
    partitionCountStatus: member.partitionCountStatus,
    states: () => new Map(),
    stop: async () => {
      await member.stop();
      await deadLetters.disconnect();
    },
  };
};

/**
 * Hands the entries to `handle`, then the failed ones again, with `beforeNextTry` (backoff) in
 * between, until each is done or dead-lettered: at once for an error `isRetriable` says no to,
 * else when the retry budget is spent. Kafka failing is no fault of the entries: it is thrown, so
 * the batch is handed back uncommitted rather than spending their budget. Resolves true once every
 * entry is done or dead-lettered; false if a graceful stop began with entries still to retry.
 */
export const retryBatch = async <Entry>(options: {
  readonly entries: readonly Entry[];
  readonly handle: (entries: readonly Entry[]) => Promise<ReadonlyMap<Entry, unknown>>;
  readonly retry: RetryPolicy;
  readonly isRetriable: (error: unknown) => boolean;
  readonly service: string;
  readonly logger: Logger;
  readonly deadLetter: (entry: Entry, why: DeadLetterReason) => Promise<void>;
  readonly beforeNextTry: (attempt: number, error: unknown) => Promise<void>;
  readonly stopping?: () => boolean;
}): Promise<boolean> => {
  const { retry, isRetriable, service, logger } = options;
  let pending = options.entries;
  for (let attempt = 1; pending.length > 0; attempt += 1) {
    const failures = await options.handle(pending);
    const again: Entry[] = [];
    let firstError: unknown;
    for (const [entry, error] of failures) {
      if (isKafkaFailure(error)) throw error;
      firstError ??= error;
      const lastTry = attempt >= retry.attempts || !isRetriable(error);
      if (lastTry) await options.deadLetter(entry, failedAfter(service, attempt, error));
      else again.push(entry);
    }
    if (failures.size > 0) {
      logger.warn(
        { attempt, failed: failures.size, retrying: again.length, error: errorText(firstError) },
        'batch entries failed',
      );
    }
    pending = again;
    if (pending.length === 0) return true;
    if (options.stopping?.()) return false;
    await options.beforeNextTry(attempt, firstError);
  }
  return true;
};
