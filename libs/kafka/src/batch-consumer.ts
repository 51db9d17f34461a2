import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import type { EventOf, TopicContract } from '@taxi/events';
import { isRedrivenForAnotherService } from './dead-letter';
import type { MessageContext } from './inbound';
import {
  errorText,
  failedAfter,
  runManualCommitGroup,
  type BatchTools,
  type ConsumerOptions,
  type RunningConsumer,
} from './consumer';
import { isKafkaFailure, type FetchSettings } from './supervised-consumer';
import { backoffDelay, defaultRetryPolicy, wait } from './retry';

export interface BatchEntry<Contract extends TopicContract> {
  readonly event: EventOf<Contract>;
  readonly context: MessageContext;
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
    source: { readonly topic: string; readonly partition: number },
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

  const handleWithRetry = async (
    payload: EachBatchPayload,
    tools: BatchTools<Contract>,
    entries: readonly BatchEntry<Contract>[],
    messageOf: ReadonlyMap<BatchEntry<Contract>, KafkaMessage>,
  ) => {
    const { topic, partition } = payload.batch;
    let pending = entries;
    for (let attempt = 1; pending.length > 0; attempt += 1) {
      const failures = await handleBatch(pending, { topic, partition });
      const again: BatchEntry<Contract>[] = [];
      let firstError: unknown;
      for (const [entry, error] of failures) {
        // Kafka itself failing is no fault of the messages: give the batch back uncommitted.
        if (isKafkaFailure(error)) throw error;
        firstError ??= error;
        const lastTry = attempt >= retry.attempts || !isRetriable(error);
        entry.context.logger.debug({ err: error, attempt, lastTry }, 'handling failed');
        if (!lastTry) {
          again.push(entry);
          continue;
        }
        const message = messageOf.get(entry);
        if (message)
          await tools.deadLetter(topic, partition, message, failedAfter(service, attempt, error));
      }
      if (failures.size > 0) {
        logger.warn(
          {
            topic,
            partition,
            attempt,
            failed: failures.size,
            retrying: again.length,
            error: errorText(firstError),
          },
          'batch entries failed',
        );
      }
      pending = again;
      if (pending.length === 0) return;
      if (!payload.isRunning() || payload.isStale()) throw firstError;
      await wait(backoffDelay(retry, attempt));
      await payload.heartbeat();
    }
  };

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
          messageOf.set({ event: inbound.event, context: inbound.context }, message);
        } else {
          await tools.deadLetter(batch.topic, batch.partition, message, {
            ...inbound.why,
            service,
          });
        }
      }
      await handleWithRetry(payload, tools, [...messageOf.keys()], messageOf);
      const last = chunk[chunk.length - 1] as KafkaMessage;
      resolveOffset(last.offset);
      await tools.commit(payload, last.offset);
      await heartbeat();
    }
  });
};
