import { topics, type EventOf, type RideRequestedEvent } from '@taxi/events';
import { eventually, freshRideRequested, testLogger, uniqueName } from '@taxi/testing';
import { eachMessage } from './at-least-once';
import type { KafkaClient } from './connect';
import { consume, type RunningConsumer } from './consume';
import { DLQ_HEADERS } from './dead-letter';
import type { MessageContext } from './inbound';
import { createPublisher, type Publisher } from './publish';
import type { RetryPolicy } from './retry';
import { collect, isolatedContract, sendRaw, testKafka, type Collector } from './testing';

type Contract = typeof topics.rideRequested;

/** Resolves when `count` distinct events were handled; keeps every handling, duplicates included. */
const handledLog = () => {
  const handled: { rideId: string; member: string; partition: number }[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const distinct = () => new Set(handled.map((h) => h.rideId)).size;
  return {
    handled,
    distinct,
    record: (event: RideRequestedEvent, member: string, partition: number) => {
      handled.push({ rideId: event.payload.rideId, member, partition });
      for (const waiter of waiters.filter((w) => distinct() >= w.count)) waiter.resolve();
    },
    waitFor: (count: number) =>
      new Promise<void>((resolve, reject) => {
        if (distinct() >= count) return resolve();
        const timer = setTimeout(
          () => reject(new Error(`handled ${distinct()} of ${count}`)),
          60_000,
        );
        waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
      }),
  };
};

/** One message at a time, each committed on its own: `consume` at least once, batches of one. */
const consumeOneByOne = (options: {
  kafka: KafkaClient;
  groupId: string;
  contract: Contract;
  onFatal: (error: unknown) => void;
  handle: (event: EventOf<Contract>, context: MessageContext) => Promise<void>;
  retry?: RetryPolicy;
}) =>
  consume({
    mode: 'at-least-once',
    kafka: options.kafka,
    groupId: options.groupId,
    contracts: [options.contract],
    service: 'test',
    logger: testLogger(),
    onFatal: options.onFatal,
    maxBatchSize: 1,
    ...(options.retry && { retry: options.retry }),
    handle: eachMessage(options.handle),
  });

describe('consume, at least once, a message at a time', () => {
  let kafka: KafkaClient;
  let publisher: Publisher;
  let contract: Contract;
  const running: RunningConsumer[] = [];
  const collectors: Collector[] = [];
  const fatal = jest.fn();

  const member = (groupId: string, name: string, log: ReturnType<typeof handledLog>) =>
    consumeOneByOne({
      kafka,
      groupId,
      contract,
      onFatal: fatal,
      handle: async (event, context) => log.record(event, name, context.partition),
    }).then((consumer) => (running.push(consumer), consumer));

  const publishRides = async (count: number) => {
    const events = Array.from({ length: count }, () => freshRideRequested());
    await publisher.publish(contract, events);
    return events;
  };

  beforeEach(async () => {
    kafka = testKafka();
    publisher = await createPublisher({ kafka, logger: testLogger() });
    contract = await isolatedContract(kafka, topics.rideRequested);
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((c) => c.stop()));
    await Promise.all(collectors.splice(0).map((c) => c.stop()));
    await publisher.disconnect();
    expect(fatal).not.toHaveBeenCalled();
  });

  /** Resolves once the members own disjoint, non-empty shares that cover every partition. */
  const split = (members: RunningConsumer[]) =>
    eventually(
      async () => members.map((m) => Object.values(m.assignment()).flat()),
      (shares) =>
        shares.every((share) => share.length > 0) &&
        new Set(shares.flat()).size === contract.partitions &&
        shares.flat().length === contract.partitions,
    );

  it('when two members share a group, then they split the partitions and each ride is handled once', async () => {
    const groupId = uniqueName('group');
    const log = handledLog();
    const a = await member(groupId, 'a', log);
    const b = await member(groupId, 'b', log);
    await split([a, b]);

    const events = await publishRides(60);
    await log.waitFor(events.length);

    expect(log.handled).toHaveLength(events.length);
    const partitionsOf = (name: string) =>
      new Set(log.handled.filter((h) => h.member === name).map((h) => h.partition));
    expect(partitionsOf('a').size).toBeGreaterThan(0);
    expect(partitionsOf('b').size).toBeGreaterThan(0);
    expect([...partitionsOf('a')].filter((p) => partitionsOf('b').has(p))).toEqual([]);
  });

  it('when one member of two leaves, then the other takes over its partitions', async () => {
    const groupId = uniqueName('group');
    const log = handledLog();
    const a = await member(groupId, 'a', log);
    const b = await member(groupId, 'b', log);
    await split([a, b]);
    const first = await publishRides(30);
    await log.waitFor(first.length);

    await a.stop();
    running.splice(running.indexOf(a), 1);
    const second = await publishRides(30);
    await log.waitFor(first.length + second.length);

    const secondIds = new Set(second.map((e) => e.payload.rideId));
    const handledSecond = log.handled.filter((h) => secondIds.has(h.rideId));
    expect(handledSecond).toHaveLength(second.length);
    expect(handledSecond.every((h) => h.member === 'b')).toBe(true);
  });

  it('when a consumer restarts, then it resumes after its committed offsets instead of starting over', async () => {
    const groupId = uniqueName('group');
    const firstRun = handledLog();
    const consumer = await member(groupId, 'first', firstRun);
    const first = await publishRides(20);
    await firstRun.waitFor(first.length);
    await consumer.stop();
    running.splice(running.indexOf(consumer), 1);

    const second = await publishRides(20);
    const secondRun = handledLog();
    await member(groupId, 'second', secondRun);
    await secondRun.waitFor(second.length);

    const secondIds = new Set(second.map((e) => e.payload.rideId));
    expect(secondRun.handled.map((h) => h.rideId).filter((id) => !secondIds.has(id))).toEqual([]);
    expect(secondRun.handled).toHaveLength(second.length);
  });

  it('when a poison message arrives, then it is dead-lettered with the reason and later messages still flow', async () => {
    const groupId = uniqueName('group');
    const log = handledLog();
    const deadLetters = await collect(kafka, [contract.deadLetter.name]);
    collectors.push(deadLetters);
    await member(groupId, 'a', log);

    await sendRaw(kafka, contract.name, [{ key: 'poison', value: '{"half":' }]);
    const after = await publishRides(5);

    await log.waitFor(after.length);
    const [parked] = await deadLetters.waitFor(1);
    const header = (name: string) => parked?.headers[name]?.toString();
    expect(parked?.value?.toString()).toBe('{"half":');
    expect(header(DLQ_HEADERS.kind)).toBe('malformed_json');
    expect(header(DLQ_HEADERS.sourceTopic)).toBe(contract.name);
    expect(header(DLQ_HEADERS.sourceOffset)).toMatch(/^\d+$/);
    expect(header(DLQ_HEADERS.service)).toBe('test');
    expect(Date.parse(header(DLQ_HEADERS.failedAt) ?? '')).not.toBeNaN();
  });

  it('when handling keeps failing, then the message is retried and then dead-lettered, and the partition moves on', async () => {
    const groupId = uniqueName('group');
    const [doomed, fine] = [freshRideRequested(), freshRideRequested()];
    const attempts: string[] = [];
    const deadLetters = await collect(kafka, [contract.deadLetter.name]);
    collectors.push(deadLetters);
    const done = handledLog();
    running.push(
      await consumeOneByOne({
        kafka,
        groupId,
        contract,
        onFatal: fatal,
        retry: { attempts: 3, initialDelayMs: 1, maxDelayMs: 5 },
        handle: async (event, context) => {
          attempts.push(event.payload.rideId);
          if (event.payload.rideId === doomed.payload.rideId) throw new Error('smtp down');
          done.record(event, 'a', context.partition);
        },
      }),
    );

    await publisher.publish(contract, [doomed, fine]);

    await done.waitFor(1);
    const [parked] = await deadLetters.waitFor(1);
    expect(attempts.filter((id) => id === doomed.payload.rideId)).toHaveLength(3);
    expect(parked?.headers[DLQ_HEADERS.reason]?.toString()).toContain('smtp down');
    expect(parked?.headers[DLQ_HEADERS.attempts]?.toString()).toBe('3');
  });
});
