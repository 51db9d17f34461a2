import { eventually } from './eventually';
import { Kafka, logLevel, type Consumer, type KafkaMessage } from 'kafkajs';
import type { TopicContract } from '@taxi/events';
import { uniqueName } from './names';

/** The broker the integration run was given (tools/dev-env/with-kafka.sh sets it). */
export const testBrokers = (): string[] => {
  const brokers = process.env['KAFKA_BROKERS'];
  if (!brokers)
    throw new Error('KAFKA_BROKERS is not set: run integration tests through `npm run test:int`');
  return brokers.split(',');
};

/** A plain kafkajs client for the test's own producing and consuming; quiet unless asked. */
export const testKafka = (clientId = uniqueName('test'), brokers = testBrokers()): Kafka =>
  new Kafka({
    clientId,
    brokers,
    logLevel: process.env['TEST_LOG_LEVEL'] ? logLevel.INFO : logLevel.NOTHING,
  });

export const createTopic = async (kafka: Kafka, name: string, partitions = 3): Promise<string> => {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: false,
      topics: [{ topic: name, numPartitions: partitions }],
    });
    // kafkajs' own waitForLeaders gives up when the broker answers "unknown topic" for a topic
    // it has just created (KRaft publishes the metadata a moment later, slower on a busy
    // machine): wait until every partition has a leader, treating that answer as "not yet".
    await eventually(
      () =>
        admin.fetchTopicMetadata({ topics: [name] }).then(
          ({ topics }) =>
            topics[0]?.partitions.length === partitions &&
            topics[0].partitions.every((partition) => partition.leader >= 0),
          () => false,
        ),
      (ready) => ready,
      { timeoutMs: 30_000, everyMs: 100 },
    );
  } finally {
    await admin.disconnect();
  }
  return name;
};

export interface ConsumedMessage {
  readonly topic: string;
  readonly partition: number;
  readonly message: KafkaMessage;
}

export interface Collector {
  readonly messages: ConsumedMessage[];
  /** Resolves once at least `count` messages arrived; rejects after `timeoutMs` saying how many did. */
  waitFor(count: number, timeoutMs?: number): Promise<ConsumedMessage[]>;
  consumer: Consumer;
  stop(): Promise<void>;
}

/** Consumes topics from the beginning into memory, for assertions. */
export const collect = async (
  kafka: Kafka,
  topics: readonly string[],
  options: { groupId?: string; readUncommitted?: boolean } = {},
): Promise<Collector> => {
  const messages: ConsumedMessage[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const consumer = kafka.consumer({
    groupId: options.groupId ?? uniqueName('collector'),
    readUncommitted: options.readUncommitted ?? false,
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      messages.push({ topic, partition, message });
      for (const waiter of waiters.filter((w) => messages.length >= w.count)) waiter.resolve();
    },
  });
  return {
    messages,
    consumer,
    waitFor: (count, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        if (messages.length >= count) return resolve(messages);
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `expected ${count} messages on ${topics.join(',')}, got ${messages.length}`,
              ),
            ),
          timeoutMs,
        );
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve(messages);
          },
        });
      }),
    stop: () => consumer.disconnect(),
  };
};

/** A copy of a topic contract under fresh topic names, created on the broker. */
export const isolatedContract = async <Contract extends TopicContract>(
  kafka: Kafka,
  contract: Contract,
): Promise<Contract> => {
  const name = uniqueName(contract.name);
  const copy = { ...contract, name, deadLetter: { ...contract.deadLetter, name: `${name}.dlq` } };
  await createTopic(kafka, copy.name, contract.partitions);
  await createTopic(kafka, copy.deadLetter.name, 1);
  return copy;
};
