import fc from 'fast-check';
import { Partitioners, type PartitionerArgs, type PartitionMetadata } from 'kafkajs';
import {
  keyPartitioner,
  murmur2,
  stopIdleRequestQueueTimer,
  writeVarintsInPlace,
} from './kafkajs-fixes';

// kafkajs' own classes, as the fixes reach them.
const RequestQueue = require('kafkajs/src/network/requestQueue') as new (options: object) => {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: unknown;
  scheduleCheckPendingRequests(): void;
  destroy(): void;
};

interface Encoder {
  buffer: Buffer;
  writeVarInt(value: number): Encoder;
  writeUVarInt(value: number): Encoder;
  writeVarLong(value: unknown): Encoder;
}
const Encoder = require('kafkajs/src/protocol/encoder') as {
  new (): Encoder;
  prototype: Encoder;
  sizeOfVarLong(value: unknown): number;
};
const Long = require('kafkajs/src/utils/long') as { fromValue(value: number | bigint): unknown };
const produceRequest = require('kafkajs/src/protocol/requests/produce/v3/request') as (
  request: object,
) => { encode(): Promise<Buffer> };
// kafkajs' own encoding, kept before the fix replaces it.
const kafkajsEncoding = {
  writeUVarInt: Encoder.prototype.writeUVarInt,
  writeVarLong: Encoder.prototype.writeVarLong,
  sizeOfVarLong: Encoder.sizeOfVarLong,
};

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

describe('writeVarintsInPlace', () => {
  beforeAll(() => writeVarintsInPlace());
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

  it("when a produce request is encoded, then its bytes are kafkajs' own", async () => {
    const messages = Array.from({ length: 20 }, (_, i) => ({
      key: `ride-${i}`,
      value: Buffer.from(JSON.stringify({ ride: i, text: 'x'.repeat(i * 20) })),
      headers: { 'event-type': 'ride.requested', 'event-id': `event-${i}` },
      timestamp: String(1_790_000_000_000 + i * 37),
    }));
    const encode = () =>
      produceRequest({
        acks: -1,
        timeout: 30_000,
        topicData: [{ topic: 'rides', partitions: [{ partition: 0, firstSequence: 7, messages }] }],
      }).encode();
    const ours = await encode();
    const fixed = {
      writeUVarInt: Encoder.prototype.writeUVarInt,
      writeVarLong: Encoder.prototype.writeVarLong,
      sizeOfVarLong: Encoder.sizeOfVarLong,
    };
    const use = ({ writeUVarInt, writeVarLong, sizeOfVarLong }: typeof fixed) => {
      Object.assign(Encoder.prototype, { writeUVarInt, writeVarLong });
      Encoder.sizeOfVarLong = sizeOfVarLong;
    };
    use(kafkajsEncoding);
    const theirs = await encode().finally(() => use(fixed));

    expect(ours).toEqual(theirs);
  });
});
