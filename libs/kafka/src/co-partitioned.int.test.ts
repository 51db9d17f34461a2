import { encode, topics } from '@taxi/events';
import { eventually, freshRideRequested, testLogger, uniqueName } from '@taxi/testing';
import type { KafkaClient } from './connect';
import { consume, type RunningConsumer } from './consume';
import { countingState, isolatedContract, sendRaw, testKafka, type Count } from './testing';

// Two inputs co-partitioned (ADR 038): partition p of each is one state and one transactional id,
// and the group deals partition numbers, the same of both topics to one member.

describe('consume, exactly once, with co-partitioned inputs', () => {
  let kafka: KafkaClient;
  const running: RunningConsumer<Count>[] = [];

  beforeEach(() => {
    kafka = testKafka();
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((consumer) => consumer.stop()));
  });

  it('when four members share the inputs and messages arrive on both, then each member holds the same numbers of both topics, and each number’s one state counts every message of both, once', async () => {
    const [requests, forwards, changelog] = await Promise.all([
      isolatedContract(kafka, topics.rideRequested),
      isolatedContract(kafka, topics.rideRequested),
      isolatedContract(kafka, topics.analyticsState),
    ]);
    const groupId = uniqueName('group');
    const transactionalIdPrefix = uniqueName('tx');
    const member = () =>
      consume({
        mode: 'exactly-once',
        coPartitioned: true,
        kafka,
        groupId,
        contracts: [requests, forwards],
        service: 'test',
        logger: testLogger(),
        transactionalIdPrefix,
        onFatal: (error) => {
          throw error;
        },
        state: countingState(changelog),
        decide: () => ({ outputs: [], change: 1 }),
      });
    // Four members for 6 numbers (2, 2, 1, 1): Kafka's round robin over the 12 partitions of both
    // topics would give a member partition 0 of one topic and not of the other.
    for (let count = 0; count < 4; count += 1) running.push(await member());
    // All joined and dealt: the numbers no longer move while the messages are counted.
    await eventually(
      async () => running.map((consumer) => consumer.assignment()[requests.name]?.length ?? 0),
      (held) => held.sort().join() === '1,1,2,2',
      { timeoutMs: 60_000, everyMs: 200 },
    );
    const perInput = 30;
    const records = (topic: string) =>
      Array.from({ length: perInput }, (_, index) => {
        const encoded = encode(topics.rideRequested, freshRideRequested());
        if (!encoded.ok) throw new Error(encoded.error.reason);
        return { key: encoded.value.key, value: encoded.value.value, partition: index % 6 };
      }).map((record) => ({ ...record, topic }));

    await sendRaw(kafka, requests.name, records(requests.name));
    await sendRaw(kafka, forwards.name, records(forwards.name));

    const counted = await eventually(
      async () =>
        running
          .flatMap((consumer) => [...consumer.states()])
          .reduce((sum, [, { state }]) => sum + state.count, 0),
      (sum) => sum >= 2 * perInput,
      { timeoutMs: 60_000, everyMs: 200 },
    );
    const assignments = running.map((consumer) => consumer.assignment());
    const numbersOf = (topic: string) => assignments.map((a) => [...(a[topic] ?? [])].sort());
    expect(counted).toBe(2 * perInput);
    expect(numbersOf(forwards.name)).toEqual(numbersOf(requests.name));
    expect(numbersOf(requests.name).flat().sort()).toEqual([0, 1, 2, 3, 4, 5]);
    // One state per number, named by the first input: `<requests>:<p>`, 10 messages each.
    const states = new Map(running.flatMap((consumer) => [...consumer.states()]));
    expect([...states.keys()].sort()).toEqual(
      [0, 1, 2, 3, 4, 5].map((p) => `${requests.name}:${p}`),
    );
    expect([...states.values()].map(({ state }) => state.count)).toEqual(Array(6).fill(10));
  });
});
