import type { Kafka, Producer } from 'kafkajs';
import { createTopic, testKafka, uniqueName } from '@taxi/testing';
import { readLatestRecords } from './latest-records';

describe('readLatestRecords', () => {
  let kafka: Kafka;
  let producer: Producer;

  beforeEach(async () => {
    kafka = testKafka();
    producer = kafka.producer({
      transactionalId: uniqueName('snapshots'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
  });

  afterEach(async () => {
    await producer.disconnect();
  });

  /** One transaction per snapshot, as a stateful consumer writes them. */
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

  const valuesOf = (found: Map<string, { value: Buffer | null }>) =>
    Object.fromEntries([...found].map(([key, record]) => [key, record.value?.toString()]));

  it('when a key was last written long before the others and an aborted snapshot is last, then the latest committed value of each key is found', async () => {
    const topic = uniqueName('state');
    await createTopic(kafka, topic, 2);
    await writeSnapshot(topic, 1, 'rare', 'rare-1');
    await writeSnapshot(topic, 1, 'rare', 'rare-2');
    for (let n = 1; n <= 120; n += 1) await writeSnapshot(topic, 1, 'busy', `busy-${n}`);
    await writeSnapshot(topic, 1, 'busy', 'aborted', false);
    await writeSnapshot(topic, 0, 'busy', 'other-partition');

    const found = await readLatestRecords({ kafka, topic, partition: 1, keys: ['busy', 'rare'] });

    expect(valuesOf(found)).toEqual({ busy: 'busy-120', rare: 'rare-2' });
  });

  it('when the partition is empty or lacks a key, then that key is simply absent', async () => {
    const topic = uniqueName('state');
    await createTopic(kafka, topic, 2);
    await writeSnapshot(topic, 0, 'other', 'value');

    const empty = await readLatestRecords({ kafka, topic, partition: 1, keys: ['wanted'] });
    const missing = await readLatestRecords({ kafka, topic, partition: 0, keys: ['wanted'] });

    expect(empty.size).toBe(0);
    expect(missing.size).toBe(0);
  });
});
