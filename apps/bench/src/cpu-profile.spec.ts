import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { kafkajsPer1000Rides, profilesIn, summariseProfiles } from './cpu-profile';
import { kafkajsPartOf } from './kafkajs-share';

const kafkajs = (file: string) => `file:///app/node_modules/kafkajs/src/${file}`;

/**
 * A profile of 100 ms of samples (plus idle time, which is not work): 10 in the consumer's
 * runner, 20 decoding a fetch, 15 in the Encoder, 5 in `Long` called by the Encoder, 10 in
 * `Buffer.copy` called by the Encoder, 5 in the request queue, 25 in the app (called by the
 * consumer), 10 in the garbage collector.
 */
const profile = () => {
  const frames: [id: number, parent: number | undefined, name: string, url: string][] = [
    [1, undefined, '(root)', ''],
    [2, 1, '(idle)', ''],
    [3, 1, '(garbage collector)', ''],
    [4, 1, 'run', kafkajs('consumer/runner.js')],
    [5, 4, 'decode', kafkajs('protocol/requests/fetch/v11/response.js')],
    [6, 4, 'eachBatch', 'file:///app/main.js'],
    [7, 6, 'send', kafkajs('producer/sendMessages.js')],
    [8, 7, 'writeVarLong', kafkajs('protocol/encoder.js')],
    [9, 8, 'shiftLeft', kafkajs('utils/long.js')],
    [10, 8, 'copy', ''],
    [11, 7, 'push', kafkajs('network/requestQueue/index.js')],
  ];
  const selfMs: Record<number, number> = {
    2: 50,
    3: 10,
    4: 10,
    5: 20,
    6: 25,
    8: 15,
    9: 5,
    10: 10,
    11: 5,
  };
  const samples = Object.entries(selfMs).flatMap(([id, ms]) => Array<number>(ms).fill(Number(id)));
  return {
    nodes: frames.map(([id, , functionName, url]) => ({
      id,
      callFrame: { functionName, url, lineNumber: 0 },
      children: frames.filter(([, parent]) => parent === id).map(([child]) => child),
    })),
    samples,
    timeDeltas: samples.map(() => 1000),
  };
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'bench-profile-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, writtenAt: number) => {
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify(profile()));
  utimesSync(file, writtenAt, writtenAt);
  return file;
};

describe('kafkajsPartOf', () => {
  it.each([
    ['network/requestQueue/index.js', 'requestQueue'],
    ['protocol/encoder.js', 'encoding'],
    ['protocol/requests/produce/v7/request.js', 'encoding'],
    ['protocol/recordBatch/record/v0/index.js', 'encoding'],
    ['protocol/decoder.js', 'decoding'],
    ['protocol/recordBatch/v0/decoder.js', 'decoding'],
    ['protocol/requests/fetch/v4/decodeMessages.js', 'decoding'],
    ['protocol/requests/fetch/v11/response.js', 'decoding'],
    ['utils/long.js', 'shared'],
    ['protocol/recordBatch/crc32C/crc32C.js', 'shared'],
    ['network/connection.js', 'connection'],
    ['producer/sendMessages.js', 'producer'],
    ['consumer/runner.js', 'consumer'],
    ['cluster/index.js', 'other'],
  ])('when a frame is in kafkajs/src/%s, then it counts as %s', (file, part) => {
    expect(kafkajsPartOf(kafkajs(file))).toBe(part);
  });

  it("when a frame is not kafkajs', then it is no part of it", () => {
    expect(kafkajsPartOf('file:///app/main.js')).toBeUndefined();
    expect(kafkajsPartOf('node:buffer')).toBeUndefined();
  });
});

describe('summariseProfiles', () => {
  it("when kafkajs' code runs, then its self time is counted by part, helpers with their caller", async () => {
    const summary = await summariseProfiles([write('CPU.1.cpuprofile', 1)]);

    expect(summary.kafkajs.selfPercent).toEqual({
      total: 55,
      encoding: 20,
      decoding: 20,
      requestQueue: 5,
      connection: 0,
      producer: 0,
      consumer: 10,
      other: 0,
    });
    expect(summary.garbageCollectorPercent).toBe(10);
  });

  it('when kafkajs calls into Node, then that time counts with its caller, and app code does not', async () => {
    const summary = await summariseProfiles([write('CPU.1.cpuprofile', 1)]);

    expect(summary.kafkajs.withNodeInternalsPercent).toMatchObject({ total: 65, encoding: 30 });
  });

  it('when a service ran twice, then the run of rides is its first profile', async () => {
    const later = write('CPU.a-restart.cpuprofile', 2_000);
    const first = write('CPU.b-run.cpuprofile', 1_000);

    expect(await profilesIn(dir)).toEqual([first, later]);
  });
});

describe('kafkajsPer1000Rides', () => {
  it("when a service's CPU per 1,000 rides is known, then kafkajs' part of it is its share", async () => {
    const service = path.join(dir, 'transaction');
    mkdirSync(service);
    writeFileSync(path.join(service, 'CPU.1.cpuprofile'), JSON.stringify(profile()));

    const costs = await kafkajsPer1000Rides(dir, { transaction: 0.2, email: null });

    expect(costs).toEqual({
      transaction: expect.objectContaining({
        cpuSecondsPer1000Rides: 0.2,
        kafkajsSelf: 0.11,
        kafkajsWithNodeInternals: 0.13,
      }),
    });
  });
});
