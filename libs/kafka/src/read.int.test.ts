import { topics } from '@taxi/events';
import { eventually, freshRideRequested, testLogger } from '@taxi/testing';
import type { KafkaClient } from './connect';
import { createPublisher, type Publisher } from './publish';
import {
  read,
  StalePositionsError,
  type ReadBatch,
  type ReadEvent,
  type Reader,
  type ReadPosition,
} from './read';
import { describeGroups, describeTopics } from './admin';
import { DLQ_HEADERS } from './dead-letter';
import { collect, isolatedContract, sendRaw, testKafka } from './testing';

type Contract = typeof topics.rideRequested;
type FeedBatch = ReadBatch<ReadEvent<Contract>>;

/** A store as simple as can be: ride ids in the order applied, and a position per partition. */
const memoryStore = () => {
  const positions = new Map<string, ReadPosition>();
  const rideIds: string[] = [];
  let resets = 0;
  return {
    rideIds,
    resets: () => resets,
    positions: () => [...positions.values()],
    apply: ({ topic, partition, records, nextOffset }: FeedBatch) => {
      rideIds.push(...records.map((record) => record.event.payload.rideId));
      positions.set(`${topic}/${partition}`, { topic, partition, nextOffset });
    },
    reset: () => {
      positions.clear();
      rideIds.length = 0;
      resets += 1;
    },
  };
};

describe('read: a store fed from the topics, resuming from its own positions', () => {
  let kafka: KafkaClient;
  let publisher: Publisher;
  let contract: Contract;
  const feeds: Reader[] = [];
  const fatal = jest.fn();

  const feed = (
    store: ReturnType<typeof memoryStore>,
    apply = store.apply,
    maxRecordsPerCall?: number,
    partitionsConsumedConcurrently?: number,
  ) =>
    read({
      ...(maxRecordsPerCall !== undefined && { maxRecordsPerCall }),
      ...(partitionsConsumedConcurrently !== undefined && { partitionsConsumedConcurrently }),
      kafka,
      contracts: [contract],
      deadLetters: { service: 'test' },
      from: { positions: store.positions() },
      until: 'following',
      groupPrefix: 'store-feed-test',
      logger: testLogger(),
      onFatal: fatal,
      onBatch: apply,
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

  it('when events are read, then each carries its record timestamp: when its producer sent it', async () => {
    const store = memoryStore();
    const sentFrom = Date.now();
    await publishRides(5);
    const sentBy = Date.now();
    const stamps: number[] = [];

    await (
      await feed(store, (batch) => {
        stamps.push(...batch.records.map((record) => record.timestampMs));
        store.apply(batch);
      })
    ).caughtUp();

    expect(stamps).toHaveLength(5);
    for (const stamp of stamps) {
      expect(stamp).toBeGreaterThanOrEqual(sentFrom);
      expect(stamp).toBeLessThanOrEqual(sentBy);
    }
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

  it('when a stored position is past the end of its partition, then read refuses it, and the store emptied is rebuilt from the beginning', async () => {
    const store = memoryStore();
    store.apply({ topic: contract.name, partition: 0, records: [], nextOffset: '1000' });
    const rides = await publishRides(12);

    const refused = await feed(store).catch((error: unknown) => error);
    store.reset();
    const started = await feed(store);
    await started.caughtUp();

    expect(refused).toBeInstanceOf(StalePositionsError);
    expect((refused as StalePositionsError).positions).toEqual([
      { topic: contract.name, partition: 0, nextOffset: '1000' },
    ]);
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

  it('when a fetched batch holds more events than maxRecordsPerCall, then it is applied in slices, each with the position after its last event', async () => {
    const store = memoryStore();
    const rides = await publishRides(120); // about 20 per partition, in one batch each
    const slices = new Map<number, { events: number; nextOffset: number }[]>();

    const started = await feed(
      store,
      (batch) => {
        const ofPartition = slices.get(batch.partition) ?? [];
        ofPartition.push({ events: batch.records.length, nextOffset: Number(batch.nextOffset) });
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

describe('read: following from the end, the last records of a partition, poison', () => {
  let kafka: KafkaClient;
  let publisher: Publisher;
  let contract: Contract;
  const stops: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    kafka = testKafka();
    publisher = await createPublisher({ kafka, logger: testLogger() });
    contract = await isolatedContract(kafka, topics.rideRequested);
  });

  afterEach(async () => {
    await Promise.all(stops.splice(0).map((stop) => stop()));
    await publisher.disconnect();
  });

  it('when a reader follows from the end, then it hands over the events published from then on with their position, never older ones, and skips unreadable records', async () => {
    const before = [freshRideRequested(), freshRideRequested()];
    await publisher.publish(contract, before);
    const seen: { partition: number; offset: string; eventId: string }[] = [];

    const reader = await read({
      kafka,
      contracts: [contract],
      from: 'end',
      until: 'following',
      logger: testLogger(),
      onFatal: (error) => {
        throw error;
      },
      onBatch: ({ partition, records }) => {
        for (const { offset, event } of records)
          seen.push({ partition, offset, eventId: event.eventId });
      },
    });
    stops.push(() => reader.stop());
    const after = [freshRideRequested(), freshRideRequested(), freshRideRequested()];
    await sendRaw(kafka, contract.name, [{ key: 'x', value: 'not json' }]);
    await publisher.publish(contract, after);
    await eventually(
      async () => seen.length,
      (count) => count >= after.length,
    );

    expect(seen.map((record) => record.eventId).sort()).toEqual(
      after.map((event) => event.eventId).sort(),
    );
    const [ends] = await describeTopics(kafka, [contract.name]);
    for (const record of seen) {
      const end = ends?.partitions.find((p) => p.partition === record.partition)?.end ?? '0';
      expect(BigInt(record.offset)).toBeLessThan(BigInt(end));
    }
  });

  it('when the last records of some partitions are read to the end, then only those are handed over, raw, and the reader deletes its group', async () => {
    const rides = Array.from({ length: 60 }, () => freshRideRequested());
    await publisher.publish(contract, rides);
    const [topic] = await describeTopics(kafka, [contract.name]);
    const wanted = [0, 2];
    const got = new Map<number, string[]>();

    const reader = await read({
      kafka,
      topics: [contract.name],
      partitions: wanted,
      from: { last: 3 },
      until: 'end-at-start',
      groupPrefix: 'last-records-test',
      logger: testLogger(),
      onBatch: ({ partition, records }) => {
        got.set(partition, [...(got.get(partition) ?? []), ...records.map((r) => r.offset)]);
      },
    });
    await reader.done;

    for (const partition of [0, 1, 2]) {
      const end = Number(topic?.partitions.find((p) => p.partition === partition)?.end ?? 0);
      const last = Array.from({ length: Math.min(3, end) }, (_, i) =>
        String(end - Math.min(3, end) + i),
      );
      expect({ partition, offsets: got.get(partition) ?? [] }).toEqual({
        partition,
        offsets: wanted.includes(partition) ? last : [],
      });
    }
    const groups = await describeGroups(kafka);
    expect(groups.filter((group) => group.groupId.startsWith('last-records-test'))).toEqual([]);
  });

  it('when a record does not decode, then a reader with dead letters parks it with the reason and hands over the rest', async () => {
    const deadLetters = await collect(kafka, [contract.deadLetter.name]);
    stops.push(() => deadLetters.stop());
    const ride = freshRideRequested();
    await sendRaw(kafka, contract.name, [{ key: ride.payload.rideId, value: '{"half":' }]);
    await publisher.publish(contract, [ride]);
    const handed: string[] = [];

    const reader = await read({
      kafka,
      contracts: [contract],
      deadLetters: { service: 'test' },
      from: 'beginning',
      until: 'end-at-start',
      logger: testLogger(),
      onBatch: ({ records }) => {
        handed.push(...records.map((record) => record.event.eventId));
      },
    });
    await reader.done;

    const [parked] = await deadLetters.waitFor(1);
    expect(handed).toEqual([ride.eventId]);
    expect(parked?.value?.toString()).toBe('{"half":');
    expect(parked?.headers[DLQ_HEADERS.kind]?.toString()).toBe('malformed_json');
    expect(parked?.headers[DLQ_HEADERS.service]?.toString()).toBe('test');
  });
});
