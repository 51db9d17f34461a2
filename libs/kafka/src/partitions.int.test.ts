import pino from 'pino';
import { topics } from '@taxi/events';
import { eventually, freshRideRequested, testLogger, uniqueName } from '@taxi/testing';
import type { KafkaClient } from './connect';
import { consume, type RunningConsumer } from './consume';
import { eachMessage } from './at-least-once';
import { addPartitions, partitionCounts } from './partitions';
import { createPublisher } from './publish';
import {
  collect,
  countingState,
  isolatedContract,
  testKafka,
  type Collector,
  type Count,
} from './testing';

const withPartitions = <Contract extends { partitions: number }>(
  contract: Contract,
  partitions: number,
): Contract => ({ ...contract, partitions });

/** A logger whose lines the test reads. */
const capturingLogger = () => {
  const lines: { level: number; msg: string }[] = [];
  const logger = pino(
    { level: 'info' },
    { write: (line: string) => void lines.push(JSON.parse(line)) },
  );
  return { logger, lines };
};

/** Ride requests pinned to partitions: one per partition number given. */
const publishTo = async (
  kafka: KafkaClient,
  contract: typeof topics.rideRequested,
  partitions: number[],
) => {
  const publisher = await createPublisher({ kafka, logger: testLogger() });
  try {
    for (const partition of partitions)
      await publisher.publish(contract, [freshRideRequested()], { partition });
  } finally {
    await publisher.disconnect();
  }
};

describe('partitions grown on a live system', () => {
  let kafka: KafkaClient;
  const running: RunningConsumer<unknown>[] = [];
  const collectors: Collector[] = [];

  beforeEach(() => {
    kafka = testKafka();
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((c) => c.stop()));
    await Promise.all(collectors.splice(0).map((c) => c.stop()));
  });

  it('when a topic a group member reads grows, then the member reads the new partitions without waiting for kafkajs’ five-minute metadata refresh', async () => {
    const input = await isolatedContract(kafka, withPartitions(topics.rideRequested, 2));
    const handled = new Set<number>();
    running.push(
      await consume({
        mode: 'at-least-once',
        kafka,
        groupId: uniqueName('group'),
        contracts: [input],
        service: 'test',
        logger: testLogger(),
        onFatal: (error) => {
          throw error;
        },
        maxBatchSize: 10,
        fetch: {
          maxWaitTimeInMs: 100,
          minBytes: 1,
          maxBytesPerPartition: 1 << 20,
          maxBytes: 1 << 20,
        },
        handle: eachMessage(async (_event, context) => void handled.add(context.partition)),
      }),
    );
    await publishTo(kafka, input, [0, 1]);
    await eventually(
      async () => handled.size,
      (n) => n === 2,
      { timeoutMs: 30_000, everyMs: 100 },
    );

    await addPartitions(kafka, [{ topic: input.name, count: 4 }]);
    await publishTo(kafka, input, [2, 3]);

    // 60 s: well past the 5 s refresh, well short of kafkajs' 300 s (which this failed with).
    await eventually(
      async () => [...handled].sort(),
      (seen) => seen.length === 4,
      { timeoutMs: 60_000, everyMs: 100 },
    );
    expect(await partitionCounts(kafka, [input.name])).toEqual(new Map([[input.name, 4]]));
  });

  it('when the input grows and its changelog does not, then the new partitions are left alone with one log line naming the command, and taken once the changelog grows', async () => {
    const input = await isolatedContract(kafka, withPartitions(topics.rideRequested, 2));
    const changelog = await isolatedContract(kafka, withPartitions(topics.analyticsState, 2));
    const { logger, lines } = capturingLogger();
    const consumer = await consume<typeof input, Count, number, typeof changelog>({
      mode: 'exactly-once',
      kafka,
      groupId: uniqueName('group'),
      contracts: [input],
      service: 'test',
      logger,
      transactionalIdPrefix: uniqueName('tx'),
      onFatal: (error) => {
        throw error;
      },
      fetch: {
        maxWaitTimeInMs: 100,
        minBytes: 1,
        maxBytesPerPartition: 1 << 20,
        maxBytes: 1 << 20,
      },
      partitionCountGuard: [input.name, changelog.name],
      state: countingState(changelog),
      decide: () => ({ outputs: [], change: 1 }),
    });
    running.push(consumer as RunningConsumer<unknown>);
    const counted = () =>
      Object.fromEntries([...consumer.states()].map(([key, { state }]) => [key, state.count]));

    await addPartitions(kafka, [{ topic: input.name, count: 4 }]);
    await eventually(
      async () => consumer.assignment()[input.name] ?? [],
      (owned) => owned.length === 4,
      { timeoutMs: 60_000, everyMs: 100 },
    );
    await publishTo(kafka, input, [0, 1, 2, 3, 3]);
    await eventually(
      async () => counted(),
      (c) => c[`${input.name}:0`] === 1 && c[`${input.name}:1`] === 1,
      { timeoutMs: 30_000, everyMs: 100 },
    );
    const status = consumer.partitionCountStatus();
    const guardLines = lines.filter((line) => line.msg.startsWith('partition counts differ'));
    const withheldCounts = counted();

    await addPartitions(kafka, [{ topic: changelog.name, count: 4 }]);
    await eventually(
      async () => counted(),
      (c) => c[`${input.name}:2`] === 1 && c[`${input.name}:3`] === 2,
      { timeoutMs: 60_000, everyMs: 100 },
    );

    expect(status).toEqual({
      ok: false,
      reason: `partition counts differ (${input.name} 4, ${changelog.name} 2): not taking partition(s) 2-3 until they match; run: taxi topics grow --partitions 4`,
    });
    expect(guardLines).toHaveLength(1);
    expect(withheldCounts[`${input.name}:2`]).toBeUndefined();
    expect(withheldCounts[`${input.name}:3`]).toBeUndefined();
    expect(consumer.partitionCountStatus()).toEqual({ ok: true });
    expect(counted()).toEqual({
      [`${input.name}:0`]: 1,
      [`${input.name}:1`]: 1,
      [`${input.name}:2`]: 1,
      [`${input.name}:3`]: 2,
    });
  });

  it('when a topic a following reader reads grows, then the reader reads the new partitions from their start', async () => {
    const topic = await isolatedContract(kafka, withPartitions(topics.rideRequested, 2));
    const collector = await collect(kafka, [topic.name]);
    collectors.push(collector);
    await publishTo(kafka, topic, [1]);
    await collector.waitFor(1);

    await addPartitions(kafka, [{ topic: topic.name, count: 4 }]);
    // Idempotent: a plain producer retrying into a partition whose leader is new wrote twice.
    await publishTo(kafka, topic, [2, 3]);

    const records = await collector.waitFor(3, 60_000);
    expect(records.map((r) => `${r.partition}@${r.offset}`).sort()).toEqual(['1@0', '2@0', '3@0']);
  });

  it('when a topic grows and a producer still has the metadata from before, then a send to a new partition is delivered, not dropped (kafkajs dropped it without a word, ADR 038)', async () => {
    const contract = await isolatedContract(kafka, withPartitions(topics.rideRequested, 1));
    const received = await collect(kafka, [contract.name]);
    collectors.push(received);
    // A publisher connected and used before the growth: its metadata lists one partition, and
    // stays fresh (libs/kafka's 5 s) for the send right after the growth.
    const publisher = await createPublisher({ kafka, logger: testLogger() });
    try {
      await publisher.publish(contract, [freshRideRequested()], { partition: 0 });
      await addPartitions(kafka, [{ topic: contract.name, count: 2 }]);
      await publisher.publish(contract, [freshRideRequested()], { partition: 1 });
    } finally {
      await publisher.disconnect();
    }

    const records = await received.waitFor(2, 30_000);
    expect(records.map((record) => record.partition).sort()).toEqual([0, 1]);
  });
});
