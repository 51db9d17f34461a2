import type { Kafka } from 'kafkajs';
import { topics } from '@taxi/events';
import {
  eventually,
  freshRideRequested,
  isolatedContract,
  testKafka,
  testLogger,
} from '@taxi/testing';
import { createPublisher, type Publisher } from './publisher';
import { startStoreFeed, type FeedBatch, type StoreFeed, type StoredPosition } from './store-feed';

type Contract = typeof topics.rideRequested;

/** A store as simple as can be: ride ids in the order applied, and a position per partition. */
const memoryStore = () => {
  const positions = new Map<string, StoredPosition>();
  const rideIds: string[] = [];
  let resets = 0;
  return {
    rideIds,
    resets: () => resets,
    positions: () => [...positions.values()],
    apply: ({ topic, partition, events, nextOffset }: FeedBatch<Contract>) => {
      rideIds.push(...events.map((event) => event.payload.rideId));
      positions.set(`${topic}/${partition}`, { topic, partition, nextOffset });
    },
    reset: () => {
      positions.clear();
      rideIds.length = 0;
      resets += 1;
    },
  };
};

describe('startStoreFeed', () => {
  let kafka: Kafka;
  let publisher: Publisher;
  let contract: Contract;
  const feeds: StoreFeed[] = [];
  const fatal = jest.fn();

  const feed = (
    store: ReturnType<typeof memoryStore>,
    apply = store.apply,
    maxEventsPerApply?: number,
    partitionsConsumedConcurrently?: number,
  ) =>
    startStoreFeed({
      ...(maxEventsPerApply !== undefined && { maxEventsPerApply }),
      ...(partitionsConsumedConcurrently !== undefined && { partitionsConsumedConcurrently }),
      kafka,
      contracts: [contract],
      service: 'test',
      groupPrefix: 'store-feed-test',
      logger: testLogger(),
      onFatal: fatal,
      positions: store.positions,
      reset: store.reset,
      apply,
    }).then((started) => (feeds.push(started), started));

  const publishRides = async (count: number) => {
    const events = Array.from({ length: count }, () => freshRideRequested());
    await publisher.publish(contract, events);
    return events.map((event) => event.payload.rideId);
  };

  beforeEach(async () => {
    kafka = testKafka();
    publisher = await createPublisher({ kafka, logger: testLogger() });
    contract = await isolatedContract(kafka, topics.rideRequested);
  });

  afterEach(async () => {
    await Promise.all(feeds.splice(0).map((started) => started.stop()));
    await publisher.disconnect();
    expect(fatal).not.toHaveBeenCalled();
  });

  it('when the store holds positions, then a new feed resumes from them and applies only what came after', async () => {
    const store = memoryStore();
    const first = await publishRides(30);
    await (await feed(store)).caughtUp();
    await feeds.splice(0)[0]?.stop();
    const later = await publishRides(10);

    const resumed = await feed(store);
    await resumed.caughtUp();

    expect(store.rideIds.slice(0, 30).sort()).toEqual([...first].sort());
    expect(store.rideIds.slice(30).sort()).toEqual([...later].sort());
    expect(store.resets()).toBe(0);
  });

  it('when the store is empty, then the feed is not caught up until it has applied all the topic held at its start', async () => {
    const store = memoryStore();
    const rides = await publishRides(30);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let batches = 0;

    const started = await feed(store, async (batch) => {
      batches += 1;
      await gate;
      store.apply(batch);
    });
    await eventually(
      async () => batches,
      (count) => count > 0,
    );
    const whileHeld = started.isCaughtUp();
    release();
    await started.caughtUp();

    expect(whileHeld).toBe(false);
    expect(started.isCaughtUp()).toBe(true);
    expect([...store.rideIds].sort()).toEqual([...rides].sort());
  });

  it('when a stored position is past the end of its partition, then the store is emptied and rebuilt from the beginning', async () => {
    const store = memoryStore();
    store.apply({ topic: contract.name, partition: 0, events: [], nextOffset: '1000' });
    const rides = await publishRides(12);

    const started = await feed(store);
    await started.caughtUp();

    expect(store.resets()).toBe(1);
    expect([...store.rideIds].sort()).toEqual([...rides].sort());
  });

  it('when a fetch brings the batches of several partitions, then each slice is applied on a turn of the event loop of its own', async () => {
    const store = memoryStore();
    const rides = await publishRides(120); // about 20 per partition: every partition in one fetch
    // Counts the turns of the event loop: an immediate armed again from itself runs once a turn.
    let turns = 0;
    const tick = () => {
      turns += 1;
      ticker = setImmediate(tick);
    };
    let ticker = setImmediate(tick);
    const turnOfEachApply: number[] = [];

    const started = await feed(
      store,
      (batch) => {
        turnOfEachApply.push(turns);
        store.apply(batch);
      },
      10,
      6,
    );
    await started.caughtUp().finally(() => clearImmediate(ticker));

    expect([...store.rideIds].sort()).toEqual([...rides].sort());
    expect(turnOfEachApply.length).toBeGreaterThan(contract.partitions);
    expect(new Set(turnOfEachApply).size).toBe(turnOfEachApply.length);
  });

  it('when a fetched batch holds more events than maxEventsPerApply, then it is applied in slices, each with the position after its last event', async () => {
    const store = memoryStore();
    const rides = await publishRides(120); // about 20 per partition, in one batch each
    const slices = new Map<number, { events: number; nextOffset: number }[]>();

    const started = await feed(
      store,
      (batch) => {
        const ofPartition = slices.get(batch.partition) ?? [];
        ofPartition.push({ events: batch.events.length, nextOffset: Number(batch.nextOffset) });
        slices.set(batch.partition, ofPartition);
        store.apply(batch);
      },
      10,
    );
    await started.caughtUp();

    expect([...store.rideIds].sort()).toEqual([...rides].sort());
    for (const ofPartition of slices.values()) {
      let position = 0;
      for (const slice of ofPartition) {
        expect(slice.events).toBeLessThanOrEqual(10);
        expect(slice.nextOffset).toBe(position + slice.events); // no gaps, no overlaps
        position = slice.nextOffset;
      }
    }
    expect(
      Math.max(...[...slices.values()].map((ofPartition) => ofPartition.length)),
    ).toBeGreaterThan(1);
  });

  it('when the topics are empty, then the feed is caught up at once', async () => {
    const started = await feed(memoryStore());

    expect(started.isCaughtUp()).toBe(true);
  });
});
