import type { KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import type { EventOf, TopicContract } from '@taxi/events';
import { isRedrivenForAnotherService, type DeadLetterReason } from './dead-letter';
import type { MessageContext } from './inbound';
import {
  errorText,
  failedAfter,
  runManualCommitGroup,
  type ConsumerOptions,
  type RunningConsumer,
} from './consumer';
import { isKafkaFailure, type FetchSettings } from './supervised-consumer';
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

export interface BatchConsumerOptions<Contract extends TopicContract> extends Omit<
  ConsumerOptions<Contract>,
  'handle'
> {
  /**
   * Does the work for a batch of one partition's events at once and says which failed. Failed
   * entries are tried again together, with backoff, until the retry budget or a non-retriable
   * error sends them to the dead-letter topic. Throwing (Kafka failing) hands the whole batch back
   * uncommitted for kafkajs to fetch again.
   */
  readonly handleBatch: (
    entries: readonly BatchEntry<Contract>[],
    source: {
      readonly topic: string;
      readonly partition: number;
      /** True once a graceful stop began: start no new work; what is not done is redelivered. */
      readonly stopping: () => boolean;
    },
  ) => Promise<BatchFailures<Contract>>;
  /** Most messages handed to `handleBatch` at once: also what a crash can make it redo. */
  readonly maxBatchSize: number;
  readonly fetch?: FetchSettings;
}

/**
 * A consumer group member that hands its handler a batch of events per partition instead of one
 * at a time, then commits the batch: at least once, like `startConsumer`, with one commit and one
 * handler call per batch instead of per message.
 */
export const startBatchConsumer = async <Contract extends TopicContract>(
  options: BatchConsumerOptions<Contract>,
): Promise<RunningConsumer> => {
  const { service, handleBatch, maxBatchSize, logger } = options;
  if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1) {
    throw new Error(`maxBatchSize must be a positive integer, got ${maxBatchSize}`);
  }
  const retry = options.retry ?? defaultRetryPolicy;
  const isRetriable = options.isRetriable ?? (() => true);

  return runManualCommitGroup(options, async (payload, tools) => {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    for (let from = 0; from < batch.messages.length; from += maxBatchSize) {
      if (tools.stopping() || !isRunning() || isStale()) return;
      const chunk = batch.messages.slice(from, from + maxBatchSize);
      const messageOf = new Map<BatchEntry<Contract>, KafkaMessage>();
      for (const message of chunk) {
        if (isRedrivenForAnotherService(message, service)) continue;
        const inbound = tools.decode(batch.topic, batch.partition, message);
        if (inbound.ok) {
          const inSpan = <T>(work: () => T): T =>
            processInSpan(batch.topic, batch.partition, options.groupId, message, work);
          messageOf.set({ event: inbound.event, context: inbound.context, inSpan }, message);
        } else {
          await tools.deadLetter(batch.topic, batch.partition, message, {
            ...inbound.why,
            service,
          });
        }
      }
      const { topic, partition } = batch;
      const settled = await retryBatch({
        entries: [...messageOf.keys()],
        handle: (entries) => handleBatch(entries, { topic, partition, stopping: tools.stopping }),
        stopping: tools.stopping,
        retry,
        isRetriable,
        service,
        logger: logger.child({ topic, partition }),
        deadLetter: async (entry, why) => {
          const message = messageOf.get(entry);
          if (message) await tools.deadLetter(topic, partition, message, why);
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
      await tools.commit(payload, last.offset);
      await heartbeat();
    }
  });
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
