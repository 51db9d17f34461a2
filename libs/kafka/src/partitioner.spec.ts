import fc from 'fast-check';
import { Partitioners, type PartitionerArgs, type PartitionMetadata } from 'kafkajs';
import { keyPartitioner, murmur2 } from './partitioner';

const partitions = (count: number): PartitionMetadata[] =>
  Array.from({ length: count }, (_, partition) => ({
    partitionId: partition,
    leader: 1,
    partitionErrorCode: 0,
    replicas: [1],
    isr: [1],
  }));

const args = (message: PartitionerArgs['message'], count: number): PartitionerArgs => ({
  topic: 'rides',
  partitionMetadata: partitions(count),
  message,
});

describe('murmur2', () => {
  it("when given the Java client's test vectors, then it returns the Java client's hashes", () => {
    const cases: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];

    expect(cases.map(([key]) => murmur2(Buffer.from(key)))).toEqual(cases.map(([, hash]) => hash));
  });
});

describe('keyPartitioner', () => {
  it("when a message has a key, then it goes to the partition kafkajs' default partitioner picks", () => {
    const ours = keyPartitioner();
    const theirs = Partitioners.DefaultPartitioner();
    fc.assert(
      fc.property(
        fc.oneof(fc.uuid(), fc.string({ unit: 'binary', maxLength: 80 })),
        fc.integer({ min: 1, max: 64 }),
        fc.boolean(),
        (key, count, asBuffer) => {
          const message = { key: asBuffer ? Buffer.from(key) : key, value: 'v' };
          expect(ours(args(message, count))).toBe(theirs(args(message, count)));
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('when a message names its partition, then that is its partition, whatever its key', () => {
    const partition = keyPartitioner()(args({ key: 'ride-1', value: 'v', partition: 4 }, 6));

    expect(partition).toBe(4);
  });

  it('when a message has no key, then it still gets one of the partitions', () => {
    const chosen = keyPartitioner()(args({ value: 'v' }, 6));

    expect(chosen).toBeGreaterThanOrEqual(0);
    expect(chosen).toBeLessThan(6);
  });
});
