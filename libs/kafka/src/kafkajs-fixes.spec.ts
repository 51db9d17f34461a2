import fc from 'fast-check';
import { Partitioners, type PartitionerArgs, type PartitionMetadata } from 'kafkajs';
import {
  keyPartitioner,
  mendRequestEncoder,
  murmur2,
  stopIdleRequestQueueTimer,
} from './kafkajs-fixes';

// kafkajs' own classes, as the fixes reach them.
const RequestQueue = require('kafkajs/src/network/requestQueue') as new (options: object) => {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: unknown;
  scheduleCheckPendingRequests(): void;
  destroy(): void;
};

type Encoded = { buffer: Buffer };
type RequestOf<Args> = (args: Args) => { encode(): Promise<Encoded> | Encoded };
interface ProduceArgs {
  acks: number;
  timeout: number;
  transactionalId: string | null;
  topicData: {
    topic: string;
    partitions: { partition: number; firstSequence: number; messages: object[] }[];
  }[];
}
interface EncoderInstance {
  buffer: Buffer;
  writeUVarInt(value: number): EncoderInstance;
  writeVarLong(value: unknown): EncoderInstance;
}
const Encoder = require('kafkajs/src/protocol/encoder') as {
  new (): EncoderInstance;
  toString(): string;
  prototype: EncoderInstance & { ensureAvailable: unknown };
  sizeOfVarLong(value: unknown): number;
};
const Long = require('kafkajs/src/utils/long') as { fromValue(value: number | bigint): unknown };
// kafkajs' own encoding, kept before the mend replaces it.
const kafkajsEncoding = {
  writeUVarInt: Encoder.prototype.writeUVarInt,
  writeVarLong: Encoder.prototype.writeVarLong,
  sizeOfVarLong: Encoder.sizeOfVarLong,
};
const produceV3 =
  require('kafkajs/src/protocol/requests/produce/v3/request') as RequestOf<ProduceArgs>;
const produceV7 =
  require('kafkajs/src/protocol/requests/produce/v7/request') as RequestOf<ProduceArgs>;
const txnOffsetCommit =
  require('kafkajs/src/protocol/requests/txnOffsetCommit/v0/request') as RequestOf<{
    transactionalId: string;
    groupId: string;
    producerId: number;
    producerEpoch: number;
    topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
  }>;

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

describe('stopIdleRequestQueueTimer', () => {
  const queue = () =>
    new RequestQueue({
      maxInFlightRequests: null,
      requestTimeout: 30_000,
      enforceRequestTimeout: true,
      clientId: 'test',
      broker: 'localhost:9092',
      logger: { debug: () => undefined, warn: () => undefined },
    });

  beforeAll(() => stopIdleRequestQueueTimer());

  it('when nothing is pending or throttled, then no check is scheduled', () => {
    const idle = queue();

    idle.scheduleCheckPendingRequests();

    expect(idle.throttleCheckTimeoutId).toBeNull();
  });

  it('when requests are pending, then a check is still scheduled', () => {
    const busy = queue();
    busy.pending.push({});

    busy.scheduleCheckPendingRequests();

    expect(busy.throttleCheckTimeoutId).not.toBeNull();
    busy.destroy();
  });

  it('when the broker throttles the connection, then a check is scheduled for its end', () => {
    const throttled = queue();
    throttled.throttledUntil = Date.now() + 60_000;

    throttled.scheduleCheckPendingRequests();

    expect(throttled.throttleCheckTimeoutId).not.toBeNull();
    throttled.destroy();
  });
});

describe('mendRequestEncoder', () => {
  const bytesOrText = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 2_000 }),
    fc.uint8Array({ maxLength: 3_000 }).map((bytes) => Buffer.from(bytes)),
  );
  const message = fc.record({
    key: fc.oneof(fc.constant(null), fc.uuid(), bytesOrText),
    value: fc.oneof(fc.constant(null), bytesOrText),
    headers: fc.dictionary(
      fc.string({ minLength: 1, maxLength: 20 }),
      fc.oneof(
        fc.string({ maxLength: 300 }),
        fc.array(fc.string({ maxLength: 40 }), { maxLength: 3 }),
      ),
      { maxKeys: 6 },
    ),
    timestamp: fc.integer({ min: 0, max: 2 ** 42 }).map(String),
  });
  const produce = fc.record({
    acks: fc.constantFrom(-1, 1),
    timeout: fc.nat(),
    transactionalId: fc.oneof(fc.constant(null), fc.string({ maxLength: 60 })),
    topicData: fc.array(
      fc.record({
        topic: fc.string({ minLength: 1, maxLength: 40 }),
        partitions: fc.array(
          fc.record({
            partition: fc.nat(100),
            firstSequence: fc.nat(),
            messages: fc.array(message, { minLength: 1, maxLength: 40 }),
          }),
          { minLength: 1, maxLength: 3 },
        ),
      }),
      { minLength: 1, maxLength: 3 },
    ),
  });
  const offsets = fc.record({
    transactionalId: fc.string({ maxLength: 60 }),
    groupId: fc.string({ maxLength: 60 }),
    producerId: fc.nat(),
    producerEpoch: fc.nat(30_000),
    topics: fc.array(
      fc.record({
        topic: fc.string({ maxLength: 40 }),
        partitions: fc.array(fc.record({ partition: fc.nat(), offset: fc.nat().map(String) }), {
          maxLength: 20,
        }),
      }),
      { maxLength: 5 },
    ),
  });
  const encodeAll = async (
    produces: ProduceArgs[],
    commits: Parameters<typeof txnOffsetCommit>[0][],
  ): Promise<Buffer[]> => [
    ...(await Promise.all(produces.map(async (args) => (await produceV3(args).encode()).buffer))),
    ...(await Promise.all(produces.map(async (args) => (await produceV7(args).encode()).buffer))),
    ...(await Promise.all(
      commits.map(async (args) => (await txnOffsetCommit(args).encode()).buffer),
    )),
  ];

  it("when requests are encoded with the mend, then their bytes are the ones kafkajs' own encoder writes", async () => {
    const produces = fc.sample(produce, { numRuns: 300, seed: 28 });
    const commits = fc.sample(offsets, { numRuns: 300, seed: 28 });
    const before = await encodeAll(produces, commits);

    mendRequestEncoder();
    const after = await encodeAll(produces, commits);

    expect(after.length).toBe(before.length);
    after.forEach((bytes, index) => expect(bytes.equals(before[index] as Buffer)).toBe(true));
  });

  it('when kafkajs is upgraded, then this fails until the mend is checked against its Encoder', () => {
    // The mend relies on the constructor sizing its first buffer through nextPowerOfTwo and on
    // every other allocation going through ensureAvailable.
    const source = Encoder.toString();

    expect(source).toContain('this.buf = Buffer.alloc(Encoder.nextPowerOfTwo(initialSize))');
    expect(source.match(/Buffer\.(alloc|from)/g)).toEqual([
      'Buffer.alloc',
      'Buffer.alloc',
      'Buffer.from',
      'Buffer.from',
    ]);
    expect(Encoder.prototype.ensureAvailable).toBeInstanceOf(Function);
  });

  describe('once mended', () => {
    beforeAll(() => mendRequestEncoder());
    const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });

    it("when a varint is written, then its bytes are kafkajs' own", () => {
      fc.assert(
        fc.property(int32, (value) => {
          const theirs = kafkajsEncoding.writeUVarInt.call(new Encoder(), value).buffer;
          expect(new Encoder().writeUVarInt(value).buffer).toEqual(theirs);
        }),
        { numRuns: 5000 },
      );
    });

    it("when a varlong is written, then its bytes and size are kafkajs' own", () => {
      const value = fc.oneof(
        int32,
        fc.maxSafeInteger(),
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((big) => Long.fromValue(big)),
      );
      fc.assert(
        fc.property(value, (varlong) => {
          const theirs = kafkajsEncoding.writeVarLong.call(new Encoder(), varlong).buffer;
          expect(new Encoder().writeVarLong(varlong).buffer).toEqual(theirs);
          expect(Encoder.sizeOfVarLong(varlong)).toBe(
            kafkajsEncoding.sizeOfVarLong.call(Encoder, varlong),
          );
        }),
        { numRuns: 5000 },
      );
    });
  });
});
