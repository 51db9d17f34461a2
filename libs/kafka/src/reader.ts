import { randomUUID } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import { withAdmin } from './admin';
import type { KafkaClient } from './connect';
import { LATENCY_FIRST_FETCH, startMember, type FetchSettings, type OnLag } from './member';

// The reader behind `read` (and a state's restore). kafkajs has no assign(): each reader joins a
// consumer group of its own, seeks the partitions it wants when it joins and pauses the others,
// and deletes that group when it stops. This is the one place that does so, and the one place
// that knows how transaction markers move a reader's position.

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

/** Where a partition is read from, and the end it had when the read started. */
export interface Target {
  readonly start: bigint;
  readonly end: bigint;
}

export const keyOf = (topic: string, partition: number) => `${topic}/${partition}`;

/** Hands a slice of one partition's messages to the reader's user, with the position after it. */
export type HandOver = (
  topic: string,
  partition: number,
  messages: readonly KafkaMessage[],
  nextOffset: string,
) => void | Promise<void>;

const DEFAULT_TIMEOUT_MS = 60_000;
/** Bounded reads are short: a fetch with nothing new waits 100 ms, not 500. */
const BOUNDED_FETCH: FetchSettings = { ...LATENCY_FIRST_FETCH, maxWaitTimeInMs: 100 };
/** Deleting a reader's group is a courtesy (an empty group without offsets expires by itself). */
const GROUP_DELETE_TIMEOUT_MS = 2_000;

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
  /**
   * Following every partition: a partition added to a topic after the read began (`taxi topics
   * grow`) is read from its start when the group's assignment first shows it. Without this it
   * would stay paused, and a view of the whole topic would miss what is written there.
   */
  readonly followNewPartitions?: boolean | undefined;
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
  const { kafka, logger, bounded } = options;
  const targets = new Map(options.targets);
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
        if (options.followNewPartitions && !targets.has(key)) {
          // New since the read began: everything in it was written after, so all of it is read.
          targets.set(key, { start: 0n, end: 0n });
          positions.set(key, 0n);
          logger.info({ topic, partition }, 'reading a partition added since the read began');
        }
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
