import type { Consumer, ConsumerRunConfig, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { KafkaRuntimeError } from './errors';

export const isKafkaFailure = (error: unknown): boolean =>
  error instanceof KafkaRuntimeError ||
  (error instanceof Error && error.name.startsWith('KafkaJS'));

/** Session timeout and a heartbeat a third of it (kafkajs defaults: 30 s and 3 s). */
export const sessionSettings = (sessionTimeoutMs = 30_000) => ({
  sessionTimeout: sessionTimeoutMs,
  heartbeatInterval: Math.min(3_000, Math.floor(sessionTimeoutMs / 3)),
  // kafkajs heartbeats between fetches: an idle fetch of 5 s (its default) delays rebalances.
  maxWaitTimeInMs: 500,
});

/**
 * How much a fetch brings back and how long the broker may wait to fill it (kafkajs defaults:
 * 1 MB per partition, 10 MB in all, 1 byte minimum). Fewer, fuller fetches cost less per message.
 */
export interface FetchSettings {
  readonly minBytes?: number;
  readonly maxBytes?: number;
  readonly maxBytesPerPartition?: number;
  readonly maxWaitTimeInMs?: number;
}

export interface SupervisedConsumerOptions {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly logger: Logger;
  readonly sessionTimeoutMs?: number;
  readonly run: ConsumerRunConfig;
  /** Called for a crash that is not Kafka's (a bug): the service should exit. */
  readonly onFatal: (error: unknown) => void;
  /** Called with each kafkajs consumer made (the first and every replacement), e.g. to listen. */
  readonly configure?: (consumer: Consumer) => void;
  /** Called after each batch with how far the partition's end is ahead of what was consumed. */
  readonly onLag?: OnLag;
  readonly fetch?: FetchSettings | undefined;
}

export type OnLag = (lag: { topic: string; partition: number; messages: number }) => void;

export interface SupervisedConsumer {
  /** True while a member of its group. */
  isReady(): boolean;
  /** The partitions owned, by topic, as of the last join. */
  assignment(): Readonly<Record<string, readonly number[]>>;
  /** Counts joins: partitions may have moved since a generation ago. */
  generation(): number;
  /** The kafkajs consumer running now (a crash replaces it). */
  current(): Consumer;
  /** Stops for good: no replacement after this. */
  stop(beforeDisconnect?: (consumer: Consumer) => Promise<void>): Promise<void>;
}

const MAX_RELAUNCH_DELAY_MS = 30_000;

/**
 * A consumer group member that survives Kafka itself going away. kafkajs gives up on some errors
 * (e.g. "Failed to find group coordinator" while a broker restarts) and leaves the consumer
 * stopped; a half-alive service is the worst outcome, so a crash on a Kafka error starts a fresh
 * consumer with backoff, for as long as it takes. Any other crash is fatal.
 */
export const startSupervisedConsumer = async (
  options: SupervisedConsumerOptions,
): Promise<SupervisedConsumer> => {
  const { kafka, groupId, logger } = options;
  let consumer: Consumer;
  let joined = false;
  let stopping = false;
  let generation = 0;
  let relaunches = 0;
  let assignment: Record<string, number[]> = {};

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
      ...sessionSettings(options.sessionTimeoutMs),
      ...options.fetch,
    });
    consumer = created;
    options.configure?.(created);
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
      logger.info({ groupId, assignment }, 'joined consumer group');
    });
    created.on(created.events.STOP, () => (joined = false));
    created.on(created.events.CRASH, (event) => {
      joined = false;
      if (event.payload.restart || stopping) return;
      if (isKafkaFailure(event.payload.error)) return relaunch(event.payload.error);
      logger.error({ err: event.payload.error, groupId }, 'consumer crashed and will not restart');
      options.onFatal(event.payload.error);
    });
    try {
      await created.connect();
      for (const topic of options.topics) await created.subscribe({ topic, fromBeginning: true });
      await created.run(options.run);
    } catch (error) {
      await created.disconnect().catch(() => undefined);
      throw error;
    }
  };

  await launch();
  return {
    isReady: () => joined,
    assignment: () => assignment,
    generation: () => generation,
    current: () => consumer,
    stop: async (beforeDisconnect) => {
      stopping = true;
      await beforeDisconnect?.(consumer);
      await consumer.disconnect();
    },
  };
};

/** A supervised member that commits by hand (or in transactions) and resolves offsets itself. */
export const startManualCommitMember = (options: {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly contracts: readonly { readonly name: string }[];
  readonly logger: Logger;
  readonly sessionTimeoutMs?: number | undefined;
  readonly partitionsConsumedConcurrently?: number | undefined;
  readonly onFatal: (error: unknown) => void;
  readonly onLag?: OnLag | undefined;
  readonly fetch?: FetchSettings | undefined;
  readonly eachBatch: NonNullable<ConsumerRunConfig['eachBatch']>;
}): Promise<SupervisedConsumer> =>
  startSupervisedConsumer({
    kafka: options.kafka,
    groupId: options.groupId,
    topics: options.contracts.map((contract) => contract.name),
    logger: options.logger,
    ...(options.sessionTimeoutMs !== undefined && { sessionTimeoutMs: options.sessionTimeoutMs }),
    onFatal: options.onFatal,
    ...(options.onLag && { onLag: options.onLag }),
    fetch: options.fetch,
    run: {
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 3,
      eachBatch: options.eachBatch,
    },
  });
