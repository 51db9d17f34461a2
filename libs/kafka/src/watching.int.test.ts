import type { Kafka, Producer } from 'kafkajs';
import { topics, type EventOf, type TopicContract } from '@taxi/events';
import {
  eventually,
  freshRideRequested,
  isolatedContract,
  testKafka,
  testLogger,
  uniqueName,
} from '@taxi/testing';
import { startLagReader } from './group-lag';
import { createPublisher, type Publisher } from './publisher';
import { startTail, type TailedRecord, type EventTail } from './tail';

type Requested = typeof topics.rideRequested;

describe('watching topics: a tail from the end, and consumer lag', () => {
  let kafka: Kafka;
  let publisher: Publisher;
  let raw: Producer;
  let contract: Requested;
  const stops: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    kafka = testKafka();
    publisher = await createPublisher({ kafka, logger: testLogger() });
    raw = kafka.producer();
    await raw.connect();
    contract = await isolatedContract(kafka, topics.rideRequested);
  });

  afterEach(async () => {
    await Promise.all(stops.splice(0).map((stop) => stop()));
    await raw.disconnect();
    await publisher.disconnect();
  });

  const tail = async (contracts: readonly TopicContract[], seen: TailedRecord<Requested>[]) => {
    const started: EventTail = await startTail({
      kafka,
      contracts: contracts as Requested[],
      groupPrefix: uniqueName('watch'),
      logger: testLogger(),
      onRecord: (record) => seen.push(record),
      onFatal: (error) => {
        throw error;
      },
    });
    stops.push(() => started.stop());
    return started;
  };

  it('when a tail starts, then it reports the events published from then on with their position, never older ones, and skips unreadable records', async () => {
    const before = [freshRideRequested(), freshRideRequested()];
    await publisher.publish(contract, before);
    const seen: TailedRecord<Requested>[] = [];

    await tail([contract], seen);
    // The tail starts at the end once it has joined and fetched: publish until it sees one.
    const after: EventOf<Requested>[] = [];
    await eventually(
      async () => {
        await raw.send({ topic: contract.name, messages: [{ key: 'x', value: 'not json' }] });
        const event = freshRideRequested();
        after.push(event);
        await publisher.publish(contract, [event]);
        return seen.length;
      },
      (count) => count > 0,
      { everyMs: 200 },
    );
    const last = after.at(-1);
    await eventually(
      async () => seen.map((record) => record.event.eventId),
      (ids) => ids.includes(last?.eventId ?? ''),
    );

    const beforeIds = before.map((event) => event.eventId);
    expect(seen.filter((record) => beforeIds.includes(record.event.eventId))).toEqual([]);
    const afterIds = after.map((event) => event.eventId);
    expect(seen.every((record) => afterIds.includes(record.event.eventId))).toBe(true);
    const admin = kafka.admin();
    await admin.connect();
    stops.push(() => admin.disconnect());
    const ends = await admin.fetchTopicOffsets(contract.name);
    for (const record of seen) {
      expect(record.topic).toBe(contract.name);
      const end = ends.find((e) => e.partition === record.partition);
      expect(BigInt(record.offset)).toBeLessThan(BigInt(end?.high ?? '0'));
    }
  });

  it("when a group has committed offsets, then the lag reader gives each partition's end minus them, and leaves out groups that commit nothing", async () => {
    await publisher.publish(
      contract,
      Array.from({ length: 12 }, () => freshRideRequested()),
    );
    const admin = kafka.admin();
    await admin.connect();
    stops.push(() => admin.disconnect());
    const ends = await admin.fetchTopicOffsets(contract.name);
    const busiest = ends.reduce((a, b) => (BigInt(b.high) > BigInt(a.high) ? b : a));
    const groupId = uniqueName('lagging');
    await admin.setOffsets({
      groupId,
      topic: contract.name,
      partitions: [{ partition: busiest.partition, offset: '1' }],
    });
    await tail([contract], []);
    const reader = await startLagReader(kafka, [contract.name]);
    stops.push(() => reader.stop());

    const lags = await reader.read();

    expect(lags).toEqual([
      {
        groupId,
        topic: contract.name,
        partition: busiest.partition,
        lag: Number(busiest.high) - 1,
      },
    ]);
  });
});
