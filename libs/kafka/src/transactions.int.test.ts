import type { Kafka } from 'kafkajs';
import { decode, topics } from '@taxi/events';
import {
  collect,
  freshRideRequested,
  isolatedContract,
  testKafka,
  testLogger,
  uniqueName,
  type Collector,
} from '@taxi/testing';
import type { RunningConsumer } from './consumer';
import { DLQ_HEADERS } from './dead-letter';
import { KafkaRuntimeError } from './errors';
import { createPublisher } from './publisher';
import {
  outgoing,
  startTransactionalConsumer,
  type TransactionalConsumerOptions,
} from './transactional-consumer';

describe('Kafka transactions', () => {
  let kafka: Kafka;
  const collectors: Collector[] = [];
  const running: RunningConsumer[] = [];

  beforeEach(() => {
    kafka = testKafka();
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((c) => c.stop()));
    await Promise.all(collectors.splice(0).map((c) => c.stop()));
  });

  type Input = typeof topics.rideRequested;

  /** A transactional consumer of `input` in a group and with transactional ids of its own. */
  const startConsumer = async (
    input: Input,
    options: Pick<TransactionalConsumerOptions<Input>, 'process' | 'onFatal' | 'state'>,
  ) =>
    running.push(
      await startTransactionalConsumer({
        kafka,
        groupId: uniqueName('group'),
        contracts: [input],
        service: 'test',
        logger: testLogger(),
        transactionalIdPrefix: uniqueName('tx'),
        ...options,
      }),
    );

  it('when a transaction is open, then read-committed consumers see its messages only after commit, and never after abort', async () => {
    const contract = await isolatedContract(kafka, topics.rideRequested);
    const producer = kafka.producer({
      transactionalId: uniqueName('tx'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    const committed = collect(kafka, [contract.name], { readUncommitted: false });
    const uncommitted = collect(kafka, [contract.name], { readUncommitted: true });
    const [readCommitted, readUncommitted] = await Promise.all([committed, uncommitted]);
    collectors.push(readCommitted, readUncommitted);
    // One ride id, so both land on one partition and the aborted one comes first in the log.
    const aborted = freshRideRequested();
    const kept = freshRideRequested({ rideId: aborted.payload.rideId, customerId: 'kept' });
    const send = (event: typeof aborted) => ({
      topic: contract.name,
      messages: [outgoing(contract, event).message],
    });

    const abortedTx = await producer.transaction();
    await abortedTx.send(send(aborted));
    await readUncommitted.waitFor(1);
    await abortedTx.abort();
    const keptTx = await producer.transaction();
    await keptTx.send(send(kept));
    await readUncommitted.waitFor(2);
    const seenBeforeCommit = readCommitted.messages.length;
    await keptTx.commit();
    await producer.disconnect();

    const visible = await readCommitted.waitFor(1);
    expect(seenBeforeCommit).toBe(0);
    const eventIds = (messages: typeof visible) =>
      messages.map((m) => m.message.headers?.['event-id']?.toString());
    expect(eventIds(readUncommitted.messages)).toEqual([aborted.eventId, kept.eventId]);
    // Read-committed has moved past the aborted message's offset: it will never deliver it.
    expect(eventIds(visible)).toEqual([kept.eventId]);
    expect(BigInt(visible[0]?.message.offset ?? -1)).toBeGreaterThan(
      BigInt(readUncommitted.messages[0]?.message.offset ?? -1),
    );
  });

  it('when a transactional consumer processes a stream, then each input yields its output exactly once and poison is dead-lettered', async () => {
    const input = await isolatedContract(kafka, topics.rideRequested);
    const output = await isolatedContract(kafka, topics.rideRequested);
    const publisher = await createPublisher({ kafka, logger: testLogger() });
    const events = Array.from({ length: 50 }, () => freshRideRequested());
    const outputs = await collect(kafka, [output.name]);
    const deadLetters = await collect(kafka, [input.deadLetter.name]);
    collectors.push(outputs, deadLetters);
    await startConsumer(input, {
      onFatal: (error) => {
        throw error;
      },
      process: (event) => [
        outgoing(output, { ...event, correlationId: `out-${event.correlationId}` }),
      ],
    });

    await publisher.publish(input, events.slice(0, 25));
    const raw = kafka.producer();
    await raw.connect();
    await raw.send({ topic: input.name, messages: [{ key: 'x', value: 'not json' }] });
    await raw.disconnect();
    await publisher.publish(input, events.slice(25));
    await publisher.disconnect();

    const received = await outputs.waitFor(events.length);
    const [parked] = await deadLetters.waitFor(1);
    const ids = received.map((m) => {
      const decoded = decode(output, m.message.value);
      return decoded.ok ? decoded.value.payload.rideId : 'undecodable';
    });
    expect(ids.sort()).toEqual(events.map((e) => e.payload.rideId).sort());
    expect(parked?.message.headers?.[DLQ_HEADERS.kind]?.toString()).toBe('malformed_json');
  });

  it('when a partition is fetched from an offset its restored state already covers (no stable offsets in kafkajs), then those messages are skipped and the rest processed once', async () => {
    const input = await isolatedContract(kafka, topics.rideRequested);
    const output = await isolatedContract(kafka, topics.rideRequested);
    const publisher = await createPublisher({ kafka, logger: testLogger() });
    const admin = kafka.admin();
    await admin.connect();
    const committedBefore = Array.from({ length: 30 }, () => freshRideRequested());
    const fresh = Array.from({ length: 30 }, () => freshRideRequested());
    await publisher.publish(input, committedBefore);
    // What a committed transaction's snapshot would say: everything up to here was processed.
    const covered = new Map(
      (await admin.fetchTopicOffsets(input.name)).map((p) => [p.partition, p.high]),
    );
    await admin.disconnect();
    await publisher.publish(input, fresh);
    await publisher.disconnect();
    const outputs = await collect(kafka, [output.name]);
    collectors.push(outputs);
    const processed: string[] = [];

    await startConsumer(input, {
      onFatal: (error) => {
        throw error;
      },
      process: (event) => {
        processed.push(event.payload.rideId);
        return [outgoing(output, event)];
      },
      state: {
        // The group has no committed offset: it starts from the beginning, as a member handed a
        // stale offset would start before the last committed transaction.
        restore: (_topic, partition) => Promise.resolve(covered.get(partition)),
        begin: () => undefined,
        end: () => [],
        committed: () => undefined,
        aborted: () => undefined,
      },
    });
    const received = await outputs.waitFor(fresh.length);

    const ids = received.map((m) => {
      const decoded = decode(output, m.message.value);
      return decoded.ok ? decoded.value.payload.rideId : 'undecodable';
    });
    const freshIds = fresh.map((e) => e.payload.rideId).sort();
    expect(ids.sort()).toEqual(freshIds);
    expect(processed.sort()).toEqual(freshIds);
  });

  it('when a partition state snapshot fails its schema, then the consumer ends through onFatal instead of retrying for ever', async () => {
    const input = await isolatedContract(kafka, topics.rideRequested);
    const snapshots = await isolatedContract(kafka, topics.rideRequested);
    const publisher = await createPublisher({ kafka, logger: testLogger() });
    let fail!: (error: unknown) => void;
    const fatal = new Promise<unknown>((resolve) => (fail = resolve));
    await startConsumer(input, {
      onFatal: fail,
      process: () => [],
      state: {
        restore: () => Promise.resolve(undefined),
        begin: () => undefined,
        // A snapshot this code built wrong: no retry can make it valid.
        end: () => [outgoing(snapshots, { ...freshRideRequested(), correlationId: '' })],
        committed: () => undefined,
        aborted: () => undefined,
      },
    });

    await publisher.publish(input, [freshRideRequested()]);
    await publisher.disconnect();

    const error = await fatal;
    const causes: unknown[] = [];
    for (let current = error; current instanceof Error; current = current.cause)
      causes.push(current);
    const refused = causes.find((cause) => cause instanceof KafkaRuntimeError);
    expect(refused).toMatchObject({ code: 'invalid_event', retriable: false });
  });
});
