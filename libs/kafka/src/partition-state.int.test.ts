import type { Producer } from 'kafkajs';
import { testLogger, uniqueName } from '@taxi/testing';
import { kafkajsOf, type KafkaClient } from './connect';
import { readLatest } from './partition-state';
import { createTopic, testKafka } from './testing';

describe('readLatest: a partition state snapshot read back from the changelog tail', () => {
  let kafka: KafkaClient;
  let producer: Producer;
  let transactionalId: string;

  const newProducer = async () => {
    producer = kafkajsOf(kafka).producer({
      transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
  };

  beforeEach(async () => {
    kafka = testKafka();
    transactionalId = uniqueName('snapshots');
    await newProducer();
  });

  afterEach(async () => {
    await producer.disconnect();
  });

  /** One transaction per snapshot, as an exactly-once consumer writes them. */
  const writeSnapshot = async (
    topic: string,
    partition: number,
    key: string,
    value: string,
    commit = true,
  ) => {
    const transaction = await producer.transaction();
    await transaction.send({ topic, messages: [{ key, value, partition }] });
    await (commit ? transaction.commit() : transaction.abort());
  };

  const latest = async (topic: string, partition: number, key: string) =>
    (await readLatest(kafka, testLogger(), topic, partition, key))?.value?.toString();

  it('when a key was last written long before the others and an aborted snapshot is last, then the latest committed value of each key is found', async () => {
    const topic = uniqueName('state');
    await createTopic(kafka, topic, 2);
    await writeSnapshot(topic, 1, 'rare', 'rare-1');
    await writeSnapshot(topic, 1, 'rare', 'rare-2');
    for (let n = 1; n <= 120; n += 1) await writeSnapshot(topic, 1, 'busy', `busy-${n}`);
    await writeSnapshot(topic, 1, 'busy', 'aborted', false);
    await writeSnapshot(topic, 0, 'busy', 'other-partition');

    expect(await latest(topic, 1, 'busy')).toBe('busy-120');
    expect(await latest(topic, 1, 'rare')).toBe('rare-2');
  });

  // A fleet of 5,000 drivers snapshots some 81 KB per partition; an earlier reader fetched 64 KiB
  // at most and never found it, so transaction could not restore. 900 KB: near the broker's
  // default message.max.bytes (1 MiB), the most a snapshot can be.
  it('when the latest snapshot is close to the largest record the broker takes, then it is found whole', async () => {
    const topic = uniqueName('state');
    await createTopic(kafka, topic, 1);
    const large = 'x'.repeat(900 * 1024);
    await writeSnapshot(topic, 0, 'fleet', 'small');
    await writeSnapshot(topic, 0, 'fleet', large);
    // As a consumer taking the partition over does before it restores (exactly-once.ts): a new
    // producer of the transactional id, whose start waits until the last commit's markers are
    // written. Read at once after commit() returns, the commit may not be readable yet.
    await producer.disconnect();
    await newProducer();

    expect((await latest(topic, 0, 'fleet'))?.length).toBe(large.length);
  });

  it('when the partition is empty or lacks the key, then there is none', async () => {
    const topic = uniqueName('state');
    await createTopic(kafka, topic, 2);
    await writeSnapshot(topic, 0, 'other', 'value');

    expect(await latest(topic, 1, 'wanted')).toBeUndefined();
    expect(await latest(topic, 0, 'wanted')).toBeUndefined();
  });
});
