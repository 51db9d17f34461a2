import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import {
  KAFKAJS_PATCH,
  PATCHED_KAFKAJS_VERSION,
  assertKafkajsPatched,
  kafkajsPatchProblem,
  readInstalledKafkajs,
} from './kafkajs-patch';

const workspaceRoot = path.resolve(__dirname, '../../..');

/**
 * kafkajs as npm publishes it: the installed (patched) copy with the patch taken out again by
 * patch-package itself, in a directory of its own. The specs below compare the patched modules
 * with these; the reversal failing would mean the installed copy is not exactly release + patch.
 */
const unpatchedKafkajs = (): { require: NodeJS.Require; dir: string } => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kafkajs-unpatched-'));
  mkdirSync(path.join(dir, 'patches'));
  cpSync(
    path.dirname(require.resolve('kafkajs/package.json')),
    path.join(dir, 'node_modules/kafkajs'),
    {
      recursive: true,
    },
  );
  cpSync(path.join(workspaceRoot, KAFKAJS_PATCH), path.join(dir, KAFKAJS_PATCH));
  writeFileSync(path.join(dir, 'package.json'), '{ "private": true }\n');
  execFileSync(
    process.execPath,
    [require.resolve('patch-package/index.js'), '--reverse', '--error-on-fail'],
    {
      cwd: dir,
      stdio: 'pipe',
    },
  );
  return { require: createRequire(path.join(dir, 'package.json')), dir };
};

let unpatched: ReturnType<typeof unpatchedKafkajs>;
beforeAll(() => {
  unpatched = unpatchedKafkajs();
});
afterAll(() => rmSync(unpatched.dir, { recursive: true, force: true }));

describe('the start-up check', () => {
  it('when the installed kafkajs is the patched one, then it passes', () => {
    expect(kafkajsPatchProblem(readInstalledKafkajs())).toBeUndefined();
    expect(() => assertKafkajsPatched()).not.toThrow();
  });

  it('when kafkajs is installed without the patch, then it fails naming the version and what to run', () => {
    const installed = readInstalledKafkajs(unpatched.require);

    expect(() => assertKafkajsPatched(installed)).toThrow(
      'kafkajs 2.2.4 is installed without patches/kafkajs+2.2.4.patch applied (ADR 033): run ' +
        '`npm ci` at the repository root (its postinstall, patch-package, applies the patch; an ' +
        'image applies it in the Dockerfile)',
    );
  });

  it('when only some of the patched modules carry the marker, then it fails', () => {
    const [first] = readInstalledKafkajs().markers;

    expect(
      kafkajsPatchProblem({ version: PATCHED_KAFKAJS_VERSION, markers: [first, undefined] }),
    ).toMatch(/^kafkajs 2\.2\.4 is installed without patches\/kafkajs\+2\.2\.4\.patch applied/);
  });

  it('when another kafkajs version is installed, then it fails naming that version', () => {
    const problem = kafkajsPatchProblem({ version: '2.3.0', markers: [undefined, undefined] });

    expect(problem).toBe(
      'kafkajs 2.3.0 is installed, but libs/kafka runs on kafkajs 2.2.4 with ' +
        'patches/kafkajs+2.2.4.patch (ADR 033): run `npm ci` at the repository root (its ' +
        'postinstall, patch-package, applies the patch; an image applies it in the Dockerfile); ' +
        'a new kafkajs version needs the patch made again for it',
    );
    expect(problem).not.toContain('\n');
  });

  it('when the pinned version changes, then the patch file, the postinstall and the check must follow', () => {
    const manifest = JSON.parse(readFileSync(path.join(workspaceRoot, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      scripts: Record<string, string>;
    };

    expect(manifest.dependencies['kafkajs']).toBe(PATCHED_KAFKAJS_VERSION);
    expect(existsSync(path.join(workspaceRoot, KAFKAJS_PATCH))).toBe(true);
    expect(manifest.scripts['postinstall']).toBe('patch-package --error-on-fail --error-on-warn');
  });
});

// kafkajs' RequestQueue, as the patch changes it and as released.
type RequestQueue = {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: unknown;
  scheduleCheckPendingRequests(): void;
  destroy(): void;
};
type RequestQueueClass = new (options: object) => RequestQueue;
const queueOptions = {
  maxInFlightRequests: null,
  requestTimeout: 30_000,
  enforceRequestTimeout: true,
  clientId: 'test',
  broker: 'localhost:9092',
  logger: { debug: () => undefined, warn: () => undefined },
};

describe('the patched request queue (kafkajs issues 1556, 1704, 1751)', () => {
  const queue = () =>
    new (require('kafkajs/src/network/requestQueue') as RequestQueueClass)(queueOptions);

  it('when nothing is pending or throttled, then no check is scheduled', () => {
    const idle = queue();

    idle.scheduleCheckPendingRequests();

    expect(idle.throttleCheckTimeoutId).toBeNull();
  });

  it('when nothing is pending or throttled in released kafkajs, then a check is scheduled anyway (the 1 ms loop)', () => {
    const released = new (
      unpatched.require('kafkajs/src/network/requestQueue') as RequestQueueClass
    )(queueOptions);

    // Its delay is negative (Node 24 prints a TimeoutNegativeWarning, issue 1751) and runs in 1 ms.
    released.scheduleCheckPendingRequests();

    expect(released.throttleCheckTimeoutId).not.toBeNull();
    released.destroy();
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
interface OffsetCommitArgs {
  transactionalId: string;
  groupId: string;
  producerId: number;
  producerEpoch: number;
  topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
}
interface EncoderInstance {
  buffer: Buffer;
  writeUVarInt(value: number): EncoderInstance;
  writeVarLong(value: unknown): EncoderInstance;
}
interface EncoderClass {
  new (): EncoderInstance;
  sizeOfVarLong(value: unknown): number;
}

/** The request builders and Encoder of one copy of kafkajs, loaded through `load`. */
const protocolOf = (load: (id: string) => unknown) => ({
  produceV3: load('kafkajs/src/protocol/requests/produce/v3/request') as RequestOf<ProduceArgs>,
  produceV7: load('kafkajs/src/protocol/requests/produce/v7/request') as RequestOf<ProduceArgs>,
  txnOffsetCommit: load(
    'kafkajs/src/protocol/requests/txnOffsetCommit/v0/request',
  ) as RequestOf<OffsetCommitArgs>,
  Encoder: load('kafkajs/src/protocol/encoder') as EncoderClass,
});

describe('the patched encoder', () => {
  const patched = protocolOf(require);
  let released: ReturnType<typeof protocolOf>;
  beforeAll(() => {
    released = protocolOf(unpatched.require);
  });

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
    protocol: ReturnType<typeof protocolOf>,
    produces: ProduceArgs[],
    commits: OffsetCommitArgs[],
  ): Promise<Buffer[]> => {
    const bytes = async (request: { encode(): Promise<Encoded> | Encoded }) =>
      (await request.encode()).buffer;
    return Promise.all([
      ...produces.map((args) => bytes(protocol.produceV3(args))),
      ...produces.map((args) => bytes(protocol.produceV7(args))),
      ...commits.map((args) => bytes(protocol.txnOffsetCommit(args))),
    ]);
  };

  it("when requests are encoded, then their bytes are released kafkajs' bytes", async () => {
    const produces = fc.sample(produce, { numRuns: 300, seed: 28 });
    const commits = fc.sample(offsets, { numRuns: 300, seed: 28 });

    const theirs = await encodeAll(released, produces, commits);
    const ours = await encodeAll(patched, produces, commits);

    expect(ours.length).toBe(theirs.length);
    ours.forEach((bytes, index) => expect(bytes.equals(theirs[index] as Buffer)).toBe(true));
  });

  const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });

  it("when a varint is written, then its bytes are released kafkajs'", () => {
    fc.assert(
      fc.property(int32, (value) => {
        expect(new patched.Encoder().writeUVarInt(value).buffer).toEqual(
          new released.Encoder().writeUVarInt(value).buffer,
        );
      }),
      { numRuns: 5000 },
    );
  });

  it("when a varlong is written, then its bytes and size are released kafkajs'", () => {
    const Long = require('kafkajs/src/utils/long') as { fromValue(value: bigint): unknown };
    const value = fc.oneof(
      int32,
      fc.maxSafeInteger(),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((big) => Long.fromValue(big)),
    );
    fc.assert(
      fc.property(value, (varlong) => {
        expect(new patched.Encoder().writeVarLong(varlong).buffer).toEqual(
          new released.Encoder().writeVarLong(varlong).buffer,
        );
        expect(patched.Encoder.sizeOfVarLong(varlong)).toBe(
          released.Encoder.sizeOfVarLong(varlong),
        );
      }),
      { numRuns: 5000 },
    );
  });
});

// kafkajs' sendMessages, as the patch changes it and as released: a send to two partitions whose
// first attempt fails on one broker, after which the other broker leads both (a leader killed).
type Written = { topicName: string; partition: number }[];
type SendMessages = (deps: object) => (request: object) => Promise<Written>;
type Retry = (options: object) => unknown;

const sendAcrossALeaderMove = async (load: NodeJS.Require) => {
  const sendMessages = load('kafkajs/src/producer/sendMessages') as SendMessages;
  const createRetry = load('kafkajs/src/retry') as Retry;
  let leaderOfPartition0 = 1;
  const leaderOf = (partition: number) => (partition === 0 ? leaderOfPartition0 : 2);
  const writes: { node: number; partitions: number[] }[] = [];
  const broker = (nodeId: number) => ({
    nodeId,
    produce: async ({
      topicData,
    }: {
      topicData: { topic: string; partitions: { partition: number }[] }[];
    }) => {
      if (nodeId === 1) {
        throw Object.assign(new Error('Connection error: connect ECONNREFUSED'), {
          name: 'KafkaJSConnectionError',
          retriable: true,
        });
      }
      writes.push({
        node: nodeId,
        partitions: topicData.flatMap((t) => t.partitions.map((p) => Number(p.partition))),
      });
      return {
        topics: topicData.map(({ topic, partitions }) => ({
          topicName: topic,
          partitions: partitions.map(({ partition }) => ({
            partition: Number(partition),
            errorCode: 0,
          })),
        })),
      };
    },
  });
  const brokers = new Map([1, 2].map((id) => [id, broker(id)]));
  const cluster = {
    refreshMetadataIfNecessary: async () => undefined,
    // The controller moved partition 0 to node 2, which has already answered for partition 1.
    refreshMetadata: async () => {
      leaderOfPartition0 = 2;
    },
    addMultipleTargetTopics: async () => undefined,
    isConnected: () => true,
    removeBroker: () => undefined,
    findTopicPartitionMetadata: () => [0, 1].map((p) => ({ partitionId: p, leader: leaderOf(p) })),
    findLeaderForPartitions: (_topic: string, partitions: string[]) => {
      const byLeader: Record<number, string[]> = {};
      for (const p of partitions) (byLeader[leaderOf(Number(p))] ??= []).push(p);
      return byLeader;
    },
    findBroker: async ({ nodeId }: { nodeId: number | string }) => brokers.get(Number(nodeId)),
  };
  const eosManager = {
    isTransactional: () => false,
    getSequence: () => 0,
    updateSequence: () => undefined,
    acquireBrokerLock: async () => undefined,
    releaseBrokerLock: async () => undefined,
    getProducerId: () => 1,
    getProducerEpoch: () => 0,
  };
  const quiet = {
    debug: () => undefined,
    error: () => undefined,
    warn: () => undefined,
    info: () => undefined,
  };
  const send = sendMessages({
    logger: quiet,
    cluster,
    partitioner: ({ message }: { message: { partition: number } }) => message.partition,
    eosManager,
    retrier: createRetry({ retries: 3, initialRetryTime: 20, maxRetryTime: 50 }),
  });
  const written = await send({
    acks: -1,
    timeout: 1_000,
    topicMessages: [
      { topic: 'rides', messages: [0, 1].map((p) => ({ partition: p, value: `m${p}` })) },
    ],
  });
  return { acknowledged: written.map((w) => w.partition).sort(), writes };
};

describe('the patched send (a leader moving to a broker that already answered)', () => {
  it('when a retry finds a partition led by a broker that already answered, then it still writes that partition', async () => {
    const { acknowledged, writes } = await sendAcrossALeaderMove(require);

    expect(acknowledged).toEqual([0, 1]);
    expect(writes.flatMap((w) => w.partitions).sort()).toEqual([0, 1]);
  });

  it('when the same happens in released kafkajs, then the send resolves without ever writing that partition (the bug)', async () => {
    const { acknowledged, writes } = await sendAcrossALeaderMove(unpatched.require);

    expect(acknowledged).toEqual([1]);
    expect(writes.flatMap((w) => w.partitions)).toEqual([1]);
  });
});

// kafkajs' fetch decoding, as the patch changes it and as released: the last batch of a segment
// with every record removed by compaction (the cleaner keeps the batch for the producer's state).
type Codec = { buffer: Buffer };
type DecodeMessages = (decoder: unknown) => Promise<{ offset: string; isControlRecord: boolean }[]>;

const decodeAnEmptiedBatch = async (load: NodeJS.Require) => {
  const decodeMessages = load(
    'kafkajs/src/protocol/requests/fetch/v4/decodeMessages',
  ) as DecodeMessages;
  const { RecordBatch } = load('kafkajs/src/protocol/recordBatch/v0') as {
    RecordBatch: (batch: object) => Promise<Codec>;
  };
  const Encoder = load('kafkajs/src/protocol/encoder') as new () => {
    writeBytes(b: Buffer): Codec;
  };
  const Decoder = load('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => unknown;
  const emptied = await RecordBatch({ firstOffset: '260', transactional: true, records: [] });
  return decodeMessages(new Decoder(new Encoder().writeBytes(emptied.buffer).buffer));
};

describe('the patched fetch (a record batch compaction emptied)', () => {
  it('when a fetch returns only an emptied batch, then it yields a control record at its offset, so the consumer moves past it', async () => {
    const records = await decodeAnEmptiedBatch(require);

    expect(records.map(({ offset, isControlRecord }) => ({ offset, isControlRecord }))).toEqual([
      { offset: '260', isControlRecord: true },
    ]);
  });

  it('when released kafkajs decodes it, then it yields nothing, and a consumer fetches that offset for ever (the bug)', async () => {
    expect(await decodeAnEmptiedBatch(unpatched.require)).toEqual([]);
  });
});

describe('the patched read_committed filter (two aborted transactions listed by their markers)', () => {
  type Filter = (batch: {
    messages: readonly object[];
    abortedTransactions: readonly { producerId: string; firstOffset: string }[];
  }) => { offset: string }[];
  const record = (offset: string, producerId: string, isControlRecord = false) => ({
    offset,
    key: isControlRecord ? Buffer.from([0, 0, 0, 0]) : Buffer.from(`ride-${offset}`),
    isControlRecord,
    batchContext: { producerId, inTransaction: true },
  });
  // dispatch/5 in a fault run: producers 3411 and 3413 each wrote a record (offsets 0 and 1) in a
  // transaction that a SIGKILL left open; 3413's was aborted first (marker at 8), then 3411's (9).
  // The broker listed them in marker order.
  const fetched = {
    messages: [
      record('0', '3411'),
      record('1', '3413'),
      record('2', '3417'),
      record('3', '3417', true),
      record('8', '3413', true),
      record('9', '3411', true),
    ],
    abortedTransactions: [
      { producerId: '3413', firstOffset: '1' },
      { producerId: '3411', firstOffset: '0' },
    ],
  };
  const kept = (filter: Filter) =>
    filter(fetched)
      .filter((message) => !('isControlRecord' in message && message.isControlRecord))
      .map((message) => message.offset);

  it('when the aborted transactions come in marker order, then neither aborted record is kept', () => {
    expect(kept(require('kafkajs/src/consumer/filterAbortedMessages') as Filter)).toEqual(['2']);
  });

  it('when released kafkajs filters them, then the aborted record at 0 is kept (the bug)', () => {
    expect(kept(unpatched.require('kafkajs/src/consumer/filterAbortedMessages') as Filter)).toEqual(
      ['0', '2'],
    );
  });
});
