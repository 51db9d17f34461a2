import { newEnvelope, topics, type AnalyticsStateEvent, type TopicContract } from '@taxi/events';
import { testLogger, uniqueName } from '@taxi/testing';
import { ensureTopics, withAdmin } from './admin';

/** Sets a member-less group's committed offsets: where a consumer of it would have got to. */
export { commitGroupOffsets } from './admin';
import { connect, kafkajsOf, type KafkaClient } from './connect';
import type { PartitionState, Source } from './partition-state';
import { read, type KafkaRecord } from './read';

// Test helpers on the lib's own API (`@taxi/kafka/testing`), for integration tests against a real
// broker: a client, fresh topics, and a reader that collects what arrives. Here rather than in
// libs/testing, which the lib's own tests import: libs/testing importing the lib would be a cycle.

/** The broker the integration run was given (tools/dev-env/with-kafka.sh sets it). */
export const testBrokers = (): string[] => {
  const brokers = process.env['KAFKA_BROKERS'];
  if (!brokers)
    throw new Error('KAFKA_BROKERS is not set: run integration tests through `npm run test:int`');
  return brokers.split(',');
};

/** A client for the test's own producing and consuming; its logs quiet unless asked. */
export const testKafka = (clientId = uniqueName('test'), brokers = testBrokers()): KafkaClient =>
  connect({ clientId, brokers }, testLogger());

/** Creates a topic and waits for its leaders. */
export const createTopic = async (
  kafka: KafkaClient,
  name: string,
  partitions = 3,
): Promise<string> => {
  await ensureTopics(
    kafka,
    [{ name, partitions, config: {} }],
    { replicationFactor: 1 },
    testLogger(),
  );
  return name;
};

/** One partition as the cluster's metadata describes it. */
export interface PartitionPlacement {
  readonly topic: string;
  readonly partition: number;
  readonly leader: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
}

/**
 * Where every partition of these topics lives now: its leader, replicas and in-sync replicas.
 * Without names, every topic, Kafka's own included (`__consumer_offsets`, `__transaction_state`):
 * a cluster test waits for those to be in sync too.
 */
export const partitionPlacements = (
  kafka: KafkaClient,
  topics?: readonly string[],
): Promise<PartitionPlacement[]> =>
  withAdmin(kafka, async (admin) => {
    const names = topics ?? (await admin.listTopics());
    const metadata = await admin.fetchTopicMetadata({ topics: [...names] });
    return metadata.topics.flatMap((topic) =>
      topic.partitions.map((p) => ({
        topic: topic.name,
        partition: p.partitionId,
        leader: p.leader,
        replicas: p.replicas,
        isr: p.isr,
      })),
    );
  });

/** A copy of a topic contract under fresh topic names, created on the broker. */
export const isolatedContract = async <Contract extends TopicContract>(
  kafka: KafkaClient,
  contract: Contract,
): Promise<Contract> => {
  const name = uniqueName(contract.name);
  const copy = { ...contract, name, deadLetter: { ...contract.deadLetter, name: `${name}.dlq` } };
  await createTopic(kafka, copy.name, contract.partitions);
  await createTopic(kafka, copy.deadLetter.name, 1);
  return copy;
};

/** A record as a test writes it, contract or not (poison, for one). */
export interface RawRecord {
  readonly key: string | null;
  readonly value: string | Buffer | null;
  readonly partition?: number;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Writes records as they are, bypassing every contract: what a foreign producer could write. */
export const sendRaw = async (
  kafka: KafkaClient,
  topic: string,
  records: readonly RawRecord[],
): Promise<void> => {
  const producer = kafkajsOf(kafka).producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages: records.map((record) => ({ ...record })) });
  } finally {
    await producer.disconnect();
  }
};

/**
 * Writes records in one transaction, then commits or aborts it: the markers (and, aborted, the
 * records no read-committed reader sees) a transactional producer leaves in a partition.
 */
export const sendInTransaction = async (
  kafka: KafkaClient,
  topic: string,
  records: readonly RawRecord[],
  outcome: 'commit' | 'abort',
): Promise<void> => {
  const producer = kafkajsOf(kafka).producer({
    transactionalId: uniqueName('test-tx'),
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  try {
    const transaction = await producer.transaction();
    await transaction.send({ topic, messages: records.map((record) => ({ ...record })) });
    await (outcome === 'commit' ? transaction.commit() : transaction.abort());
  } finally {
    await producer.disconnect();
  }
};

export interface Collector {
  /** Every record read so far (committed ones only), in the order read. */
  readonly records: KafkaRecord[];
  /** Resolves once at least `count` records arrived; rejects after `timeoutMs` saying how many did. */
  waitFor(count: number, timeoutMs?: number): Promise<KafkaRecord[]>;
  stop(): Promise<void>;
}

/** Reads topics from the beginning into memory, following, for assertions. */
export const collect = async (
  kafka: KafkaClient,
  topics: readonly string[],
): Promise<Collector> => {
  const records: KafkaRecord[] = [];
  const waiters = new Set<{ count: number; resolve: () => void }>();
  const reader = await read({
    kafka,
    logger: testLogger(),
    topics,
    from: 'beginning',
    until: 'following',
    groupPrefix: 'collector',
    onBatch: (batch) => {
      for (const record of batch.records) records.push(record);
      for (const waiter of waiters) if (records.length >= waiter.count) waiter.resolve();
    },
  });
  return {
    records,
    waitFor: (count, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        if (records.length >= count) return resolve(records);
        const waiter = {
          count,
          resolve: () => {
            clearTimeout(timer);
            waiters.delete(waiter);
            resolve(records);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(
            new Error(`expected ${count} records on ${topics.join(',')}, got ${records.length}`),
          );
        }, timeoutMs);
        waiters.add(waiter);
      }),
    stop: () => reader.stop(),
  };
};

/** The state of `countingState`: how many events a partition has counted. */
export interface Count {
  count: number;
}

/**
 * A partition state for tests of stateful consumers: a change adds to a count, snapshotted in
 * analytics' changelog contract (as its `confirmed`). `sourceOf` may name another source in the
 * snapshot than the one it belongs to (a changelog keyed wrongly).
 */
export const countingState = (
  changelog: typeof topics.analyticsState = topics.analyticsState,
  sourceOf = (source: Source): Source => source,
): PartitionState<Count, number, typeof topics.analyticsState> => ({
  changelog,
  initial: () => ({ count: 0 }),
  copy: (state) => ({ ...state }),
  evolve: (working, by) => {
    working.count += by;
    return working;
  },
  toSnapshot: (state, source, nextOffset): AnalyticsStateEvent => ({
    ...newEnvelope('analytics.partition_state', 'test'),
    payload: {
      source: sourceOf(source),
      nextOffset,
      confirmed: state.count,
      rejected: 0,
      rejectionsByReason: {},
      fareTotal: { amount: 0, currency: 'USD' },
      etaBuckets: {},
      pickupZones: {},
      perMinute: {},
    },
  }),
  fromSnapshot: (snapshot) => ({ count: snapshot.payload.confirmed }),
});
