import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import {
  decode,
  encode,
  topics,
  type AnalyticsStateEvent,
  type RideRequestedEvent,
} from '@taxi/events';
import pino from 'pino';
import { eventually, freshRideRequested, testLogger, uniqueName } from '@taxi/testing';
import { describeTopics } from './admin';
import { kafkajsOf, type KafkaClient } from './connect';
import { consume, type ExactlyOnceOptions, type RunningConsumer } from './consume';
import { DLQ_HEADERS } from './dead-letter';
import { KafkaRuntimeError } from './errors';
import { stateKey, type PartitionState } from './partition-state';
import { createPublisher, messageOf, outgoing } from './publish';
import {
  collect,
  countingState,
  isolatedContract,
  sendRaw,
  testBrokers,
  testKafka,
  type Collector,
  type Count,
} from './testing';

type Input = typeof topics.rideRequested;
type Changelog = typeof topics.analyticsState;

describe('consume, exactly once, in Kafka transactions', () => {
  let kafka: KafkaClient;
  const collectors: Collector[] = [];
  const running: RunningConsumer<unknown>[] = [];
  const stops: (() => Promise<void>)[] = [];

  beforeEach(() => {
    kafka = testKafka();
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((c) => c.stop()));
    await Promise.all(collectors.splice(0).map((c) => c.stop()));
    await Promise.all(stops.splice(0).map((stop) => stop()));
  });

  /** An exactly-once consumer of `input` in a group of its own, with transactional ids of its own unless given. */
  const consumeExactlyOnce = async <State = undefined, Change = never>(
    input: Input,
    options: Pick<
      ExactlyOnceOptions<Input, State, Change, Changelog, State>,
      'decide' | 'onFatal' | 'state'
    > &
      Partial<
        Pick<
          ExactlyOnceOptions<Input, State, Change, Changelog, State>,
          'transactionalIdPrefix' | 'groupId' | 'logger'
        >
      >,
  ) => {
    const consumer = await consume<Input, State, Change, Changelog, State>({
      mode: 'exactly-once',
      kafka,
      groupId: uniqueName('group'),
      contracts: [input],
      service: 'test',
      logger: testLogger(),
      transactionalIdPrefix: uniqueName('tx'),
      ...options,
    });
    running.push(consumer);
    return consumer;
  };

  /** A connected transactional producer of a transactional id of its own, disconnected after the test. */
  const transactionalProducer = async (prefix: string) => {
    const producer = kafkajsOf(kafka).producer({
      transactionalId: uniqueName(prefix),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    stops.push(() => producer.disconnect());
    return producer;
  };

  const decodedOf = (output: Input, record: { value: Buffer | null }) => {
    const decoded = decode(output, record.value);
    if (!decoded.ok) throw new Error(decoded.error.reason);
    return decoded.value;
  };

  const rideIdsOf = (output: Input, received: readonly { value: Buffer | null }[]) =>
    received.map((record) => {
      const decoded = decode(output, record.value);
      return decoded.ok ? decoded.value.payload.rideId : 'undecodable';
    });

  it('when a transaction is open, then readers see its messages only after commit, and never after abort', async () => {
    const contract = await isolatedContract(kafka, topics.rideRequested);
    const producer = await transactionalProducer('tx');
    const readCommitted = await collect(kafka, [contract.name]);
    collectors.push(readCommitted);
    // A reader that also sees what is not committed: proof the messages were written before.
    const uncommitted: { offset: string; eventId: string | undefined }[] = [];
    const arrivals = new EventEmitter();
    const readUncommitted = kafkajsOf(kafka).consumer({
      groupId: uniqueName('uncommitted'),
      readUncommitted: true,
      maxWaitTimeInMs: 100,
    });
    await readUncommitted.connect();
    stops.push(() => readUncommitted.disconnect());
    await readUncommitted.subscribe({ topic: contract.name, fromBeginning: true });
    await readUncommitted.run({
      eachMessage: async ({ message }) => {
        uncommitted.push({
          offset: message.offset,
          eventId: message.headers?.['event-id']?.toString(),
        });
        arrivals.emit('message');
      },
    });
    const seen = (count: number) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (uncommitted.length < count) return;
          arrivals.off('message', check);
          resolve();
        };
        arrivals.on('message', check);
        check();
      });
    // One ride id, so both land on one partition and the aborted one comes first in the log.
    const aborted = freshRideRequested();
    const kept = freshRideRequested({ rideId: aborted.payload.rideId, customerId: 'kept' });
    const send = (event: RideRequestedEvent) => ({
      topic: contract.name,
      messages: [messageOf(outgoing(contract, event))],
    });

    const abortedTx = await producer.transaction();
    await abortedTx.send(send(aborted));
    await seen(1);
    await abortedTx.abort();
    const keptTx = await producer.transaction();
    await keptTx.send(send(kept));
    await seen(2);
    const seenBeforeCommit = readCommitted.records.length;
    await keptTx.commit();

    const visible = await readCommitted.waitFor(1);
    expect(seenBeforeCommit).toBe(0);
    expect(uncommitted.map((m) => m.eventId)).toEqual([aborted.eventId, kept.eventId]);
    // The reader has moved past the aborted message's offset: it will never hand it over.
    expect(visible.map((r) => r.headers['event-id']?.toString())).toEqual([kept.eventId]);
    expect(BigInt(visible[0]?.offset ?? -1)).toBeGreaterThan(BigInt(uncommitted[0]?.offset ?? -1));
  });

  it('when an exactly-once consumer processes a stream, then each input yields its output exactly once and poison is dead-lettered', async () => {
    const input = await isolatedContract(kafka, topics.rideRequested);
    const output = await isolatedContract(kafka, topics.rideRequested);
    const publisher = await createPublisher({ kafka, logger: testLogger() });
    const events = Array.from({ length: 50 }, () => freshRideRequested());
    const outputs = await collect(kafka, [output.name]);
    const deadLetters = await collect(kafka, [input.deadLetter.name]);
    collectors.push(outputs, deadLetters);
    await consumeExactlyOnce(input, {
      onFatal: (error) => {
        throw error;
      },
      decide: (event) => ({
        outputs: [outgoing(output, { ...event, correlationId: `out-${event.correlationId}` })],
      }),
    });

    await publisher.publish(input, events.slice(0, 25));
    await sendRaw(kafka, input.name, [{ key: 'x', value: 'not json' }]);
    await publisher.publish(input, events.slice(25));
    await publisher.disconnect();

    const received = await outputs.waitFor(events.length);
    const [parked] = await deadLetters.waitFor(1);
    expect(rideIdsOf(output, received).sort()).toEqual(events.map((e) => e.payload.rideId).sort());
    expect(parked?.headers[DLQ_HEADERS.kind]?.toString()).toBe('malformed_json');
  });

  it('when one transaction writes more to one partition than the broker takes in one record batch (1 MiB), then it is sent in parts and committed whole', async () => {
    const input = await isolatedContract(kafka, topics.rideRequested);
    const output = await isolatedContract(kafka, topics.rideRequested);
    const copies = 3_000;
    const outputs = await collect(kafka, [output.name]);
    collectors.push(outputs);
    await consumeExactlyOnce(input, {
      onFatal: (error) => {
        throw error;
      },
      // About 440 bytes each, all to partition 0: 1.3 MB in one transaction.
      decide: (event) => ({
        outputs: Array.from({ length: copies }, (_, i) =>
          outgoing(output, { ...event, correlationId: `copy-${i}` }, 0),
        ),
      }),
    });

    const publisher = await createPublisher({ kafka, logger: testLogger() });
    await publisher.publish(input, [freshRideRequested()]);
    await publisher.disconnect();

    const received = await outputs.waitFor(copies, 60_000);
    expect(received).toHaveLength(copies);
    expect(
      received.reduce((bytes, record) => bytes + (record.value?.length ?? 0), 0),
    ).toBeGreaterThan(1024 * 1024);
    expect(received.map((record) => decodedOf(output, record).correlationId)).toEqual(
      Array.from({ length: copies }, (_, i) => `copy-${i}`),
    );
  });

  it('when a partition is fetched from an offset its restored snapshot already covers (no stable offsets in kafkajs), then those messages are skipped and the rest processed once', async () => {
    const input = await isolatedContract(kafka, topics.rideRequested);
    const output = await isolatedContract(kafka, topics.rideRequested);
    const changelog = await isolatedContract(kafka, topics.analyticsState);
    const state = countingState(changelog);
    const publisher = await createPublisher({ kafka, logger: testLogger() });
    const committedBefore = Array.from({ length: 30 }, () => freshRideRequested());
    const fresh = Array.from({ length: 30 }, () => freshRideRequested());
    await publisher.publish(input, committedBefore);
    // What a committed transaction's snapshot would say: everything up to here was processed.
    const [before] = await describeTopics(kafka, [input.name]);
    await sendRaw(
      kafka,
      changelog.name,
      (before?.partitions ?? []).map(({ partition, end }) => {
        const snapshot = encode(
          changelog,
          state.toSnapshot({ count: 0 }, { topic: input.name, partition }, end),
        );
        if (!snapshot.ok) throw new Error(snapshot.error.reason);
        return { key: snapshot.value.key, value: snapshot.value.value, partition };
      }),
    );
    await publisher.publish(input, fresh);
    await publisher.disconnect();
    const outputs = await collect(kafka, [output.name]);
    collectors.push(outputs);
    const processed: string[] = [];

    // The group has no committed offset: it starts from the beginning, as a member handed a
    // stale offset would start before the last committed transaction.
    await consumeExactlyOnce<Count, number>(input, {
      onFatal: (error) => {
        throw error;
      },
      state: state as PartitionState<Count, number, Changelog, Count>,
      decide: (event) => {
        processed.push(event.payload.rideId);
        return { outputs: [outgoing(output, event)], change: 1 };
      },
    });
    const received = await outputs.waitFor(fresh.length);

    const freshIds = fresh.map((e) => e.payload.rideId).sort();
    expect(rideIdsOf(output, received).sort()).toEqual(freshIds);
    expect(processed.sort()).toEqual(freshIds);
  });

  it('when a partition with state is taken over while its previous owner is still committing, then the previous owner is fenced before the state is read: its commit after the read is refused', async () => {
    const input = await isolatedContract(kafka, topics.rideRequested);
    const output = await isolatedContract(kafka, topics.rideRequested);
    const changelog = await isolatedContract(kafka, topics.analyticsState);
    const transactionalIdPrefix = uniqueName('tx');
    const counting = countingState(changelog);
    const ride = freshRideRequested();
    const publisher = await createPublisher({ kafka, logger: testLogger() });
    await publisher.publish(input, [ride]);
    await publisher.disconnect();
    const [described] = await describeTopics(kafka, [input.name]);
    const partition = described?.partitions.find(({ end }) => end !== '0')?.partition ?? -1;
    // The previous owner, in a thread of its own: a transaction open with a snapshot of 1,000 rides
    // counted in it, committed when asked, while this thread (the new owner) waits.
    const previousOwner = await PreviousOwner.open({
      brokers: testBrokers(),
      transactionalId: `${transactionalIdPrefix}-${input.name}-${partition}`,
      changelog: changelog.name,
      snapshot: encodedSnapshot(
        changelog,
        counting.toSnapshot({ count: 1_000 }, { topic: input.name, partition }, '1'),
      ),
      partition,
    });
    stops.push(() => previousOwner.close());
    const outputs = await collect(kafka, [output.name]);
    collectors.push(outputs);
    let counted: number | undefined;
    // The restore found no committed snapshot and asks for the initial state: the read is done.
    // Here the previous owner commits, and the new owner waits until it did or was refused.
    const state: PartitionState<Count, number, Changelog, Count> = {
      ...counting,
      initial: (source) => {
        previousOwner.commitNow();
        return counting.initial(source);
      },
    };

    await consumeExactlyOnce<Count, number>(input, {
      transactionalIdPrefix,
      onFatal: (error) => {
        throw error;
      },
      state,
      decide: (event, working) => {
        counted = working.count;
        return { outputs: [outgoing(output, event)], change: 1 };
      },
    });
    await outputs.waitFor(1);

    expect(previousOwner.outcome()).toBe('refused');
    expect(counted).toBe(0);
  });

  // Issue 23: analytics' changelog partition p holds the snapshots of two sources (ride_confirmed p
  // and ride_rejected p), each written by its own transactional id. A read-committed read stops
  // at the first record of a transaction still open, so the other source's open transaction hid
  // this source's latest snapshot: restored one transaction behind the group's committed offset,
  // the messages between were never counted (two rides short for good after a rolling restart).
  it('when another source has a transaction open on the changelog partition as a partition is taken over, then its state is restored from the snapshot of its last commit, not the one before', async () => {
    const input = await isolatedContract(kafka, topics.rideRequested);
    const changelog = await isolatedContract(kafka, topics.analyticsState);
    const state = countingState(changelog) as PartitionState<Count, number, Changelog, Count>;
    const source = { topic: input.name, partition: 0 };
    const groupId = uniqueName('group');
    const transactionalIdPrefix = uniqueName('tx');
    const sendRide = async () => {
      const encoded = encode(input, freshRideRequested());
      if (!encoded.ok) throw new Error(encoded.error.reason);
      await sendRaw(kafka, input.name, [{ ...encoded.value, partition: 0 }]);
    };
    const committedUpTo = (consumer: RunningConsumer<Count>, nextOffset: string) =>
      eventually(
        () => Promise.resolve(consumer.states().get(stateKey(source))),
        (committed) => committed?.nextOffset === nextOffset,
      );
    const options = {
      groupId,
      transactionalIdPrefix,
      state,
      onFatal: (error: unknown) => {
        throw error;
      },
      decide: () => ({ outputs: [], change: 1 }),
    };

    const first = await consumeExactlyOnce<Count, number>(input, options);
    await sendRide();
    await committedUpTo(first, '1');
    // The other source's transaction, open on the same changelog partition: the last stable offset
    // stays at its first record until it ends.
    const otherSource = await transactionalProducer('other-source');
    const open = await otherSource.transaction();
    await open.send({
      topic: changelog.name,
      messages: [{ key: `${uniqueName('other')}:0`, value: 'open', partition: 0 }],
    });
    await sendRide();
    await committedUpTo(first, '2');
    await first.stop();
    running.splice(running.indexOf(first), 1);

    // The partition taken over (a new member, as after a rejoin), with one more ride to count.
    let behindSeen!: () => void;
    const behind = new Promise<void>((resolve) => (behindSeen = resolve));
    const logger = pino(
      { level: 'warn' },
      {
        write: (line: string) => {
          if (line.includes('behind the group') && line.includes(changelog.name)) behindSeen();
        },
      },
    );
    await sendRide();
    const second = await consumeExactlyOnce<Count, number>(input, { ...options, logger });
    // The old code restored at once, one snapshot behind, and counted on from there.
    await Promise.race([behind, committedUpTo(second, '3')]);
    await open.abort();
    const restored = await committedUpTo(second, '3');

    expect(restored?.state.count).toBe(3);
  });

  it('when a partition state snapshot fails its schema, then the consumer ends through onFatal instead of retrying for ever', async () => {
    const input = await isolatedContract(kafka, topics.rideRequested);
    const changelog = await isolatedContract(kafka, topics.analyticsState);
    const publisher = await createPublisher({ kafka, logger: testLogger() });
    let fail!: (error: unknown) => void;
    const fatal = new Promise<unknown>((resolve) => (fail = resolve));
    const counting = countingState(changelog);
    await consumeExactlyOnce<Count, number>(input, {
      onFatal: fail,
      // A snapshot this code built wrong: no retry can make it valid.
      state: {
        ...counting,
        toSnapshot: (state, source, nextOffset) => ({
          ...counting.toSnapshot(state, source, nextOffset),
          correlationId: '',
        }),
      },
      decide: () => ({ outputs: [], change: 1 }),
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

const encodedSnapshot = (changelog: Changelog, event: AnalyticsStateEvent) => {
  const encoded = encode(changelog, event);
  if (!encoded.ok) throw new Error(encoded.error.reason);
  return { key: encoded.value.key, value: encoded.value.value.toString() };
};

/**
 * A partition's previous owner in a worker thread: a transactional producer with a snapshot in an
 * open transaction. `commitNow()` blocks this thread (Atomics.wait) until the worker's commit
 * ended, so that it lands exactly where the caller stands, with nothing of this thread running.
 */
class PreviousOwner {
  private constructor(
    private readonly worker: Worker,
    private readonly signal: Int32Array,
  ) {}

  static async open(options: {
    brokers: string[];
    transactionalId: string;
    snapshot: { key: string; value: string };
    partition: number;
    changelog: string;
  }): Promise<PreviousOwner> {
    const signal = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(PREVIOUS_OWNER_SCRIPT, {
      eval: true,
      workerData: { ...options, signal },
    });
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    });
    return new PreviousOwner(worker, signal);
  }

  commitNow(): void {
    this.worker.postMessage('commit');
    Atomics.wait(this.signal, 0, 0, 30_000);
  }

  outcome(): 'pending' | 'committed' | 'refused' {
    return (
      (['pending', 'committed', 'refused'] as const)[Atomics.load(this.signal, 0)] ?? 'pending'
    );
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

const PREVIOUS_OWNER_SCRIPT = `
const { parentPort, workerData } = require('node:worker_threads');
const { Kafka, logLevel } = require('kafkajs');
const { brokers, transactionalId, snapshot, partition, changelog, signal } = workerData;
(async () => {
  const kafka = new Kafka({ clientId: 'previous-owner', brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const open = await producer.transaction();
  await open.send({ topic: changelog, messages: [{ ...snapshot, partition }] });
  parentPort.on('message', async () => {
    const outcome = await open.commit().then(() => 1, () => 2);
    Atomics.store(signal, 0, outcome);
    Atomics.notify(signal, 0);
  });
  parentPort.postMessage('ready');
})();
`;
