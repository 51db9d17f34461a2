import type { Consumer } from 'kafkajs';
import { testLogger } from '@taxi/testing';
import { connect, kafkajsOf, type KafkaClient } from './connect';
import {
  BATCH_FIRST_FETCH,
  checkFetchSettings,
  LATENCY_FIRST_FETCH,
  onceAfterEachJoin,
  sessionSettings,
  startMember,
} from './member';

describe('checkFetchSettings', () => {
  it('when a fetch waits for more bytes than one partition may bring, then it is refused', () => {
    const unfillable = {
      ...BATCH_FIRST_FETCH,
      minBytes: 512 * 1024,
      maxBytesPerPartition: 128 * 1024,
    };

    expect(() => checkFetchSettings(unfillable)).toThrow(/must not exceed maxBytesPerPartition/);
    expect(() => sessionSettings(30_000, unfillable)).toThrow(/one partition could never fill/);
  });

  it("when one partition's bytes can fill a fetch, then the settings are used as given", () => {
    expect(sessionSettings(30_000, BATCH_FIRST_FETCH)).toMatchObject(BATCH_FIRST_FETCH);
    expect(sessionSettings()).toMatchObject(LATENCY_FIRST_FETCH);
  });
});

/** A promise settled from the outside, so the test decides when `prepare` finishes. */
const deferred = () => {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

const membershipAt = (initial: number) => {
  let generation = initial;
  return { generation: () => generation, rejoin: () => (generation += 1) };
};

describe('onceAfterEachJoin', () => {
  it('when called concurrently in one generation, then prepare runs once and every caller waits for it', async () => {
    const membership = membershipAt(1);
    const gate = deferred();
    const prepare = jest.fn(() => gate.promise);
    const once = onceAfterEachJoin(membership, prepare);
    const finished: number[] = [];

    const calls = [1, 2, 3].map((n) => once().then(() => finished.push(n)));
    await Promise.resolve();
    const finishedBeforePrepare = [...finished];
    gate.resolve();
    await Promise.all(calls);
    await once();

    expect(prepare).toHaveBeenCalledTimes(1);
    expect(finishedBeforePrepare).toEqual([]);
    expect(finished.sort()).toEqual([1, 2, 3]);
  });

  it('when the group generation changes, then prepare runs again', async () => {
    const membership = membershipAt(1);
    const prepare = jest.fn(() => Promise.resolve());
    const once = onceAfterEachJoin(membership, prepare);

    await once();
    membership.rejoin();
    await once();
    await once();

    expect(prepare).toHaveBeenCalledTimes(2);
  });

  it('when prepare fails, then the callers see the error and the next call tries again', async () => {
    const membership = membershipAt(1);
    const failure = new Error('state topic unavailable');
    const prepare = jest.fn<Promise<void>, []>().mockRejectedValueOnce(failure);
    prepare.mockResolvedValue(undefined);
    const once = onceAfterEachJoin(membership, prepare);

    const first = once();
    const concurrent = once();

    await expect(first).rejects.toBe(failure);
    await expect(concurrent).rejects.toBe(failure);
    await expect(once()).resolves.toBeUndefined();
    await once();
    expect(prepare).toHaveBeenCalledTimes(2);
  });

  it('when there is nothing to prepare, then the call just resolves', async () => {
    const once = onceAfterEachJoin(membershipAt(1), undefined);

    await expect(once()).resolves.toBeUndefined();
  });

  it("when an earlier generation's prepare fails after the next one started, then the next one is still shared", async () => {
    const membership = membershipAt(1);
    const oldGate = deferred();
    const currentGate = deferred();
    const prepare = jest
      .fn<Promise<void>, []>()
      .mockReturnValueOnce(oldGate.promise)
      .mockReturnValueOnce(currentGate.promise)
      .mockResolvedValue(undefined);
    const once = onceAfterEachJoin(membership, prepare);

    const old = once();
    membership.rejoin();
    const current = once();
    oldGate.reject(new Error('rebalanced away'));
    await expect(old).rejects.toThrow('rebalanced away');
    const another = once();
    currentGate.resolve();
    await Promise.all([current, another]);

    expect(prepare).toHaveBeenCalledTimes(2);
  });

  it("when an earlier generation's prepare succeeds late, then the current generation is not prepared again", async () => {
    const membership = membershipAt(1);
    const oldGate = deferred();
    const currentGate = deferred();
    const prepare = jest
      .fn<Promise<void>, []>()
      .mockReturnValueOnce(oldGate.promise)
      .mockReturnValueOnce(currentGate.promise)
      .mockResolvedValue(undefined);
    const once = onceAfterEachJoin(membership, prepare);

    const old = once();
    membership.rejoin();
    const current = once();
    currentGate.resolve();
    await current;
    oldGate.resolve();
    await old;
    await once();

    expect(prepare).toHaveBeenCalledTimes(2);
  });
});

describe('startMember, the first start', () => {
  const unknownTopic = () =>
    Object.assign(new Error('This server does not host this topic-partition'), {
      name: 'KafkaJSProtocolError',
      retriable: true,
    });

  /** A client whose consumers fail to subscribe `failures` times, then start. */
  const clientFailingToSubscribe = (failures: readonly Error[]) => {
    const client = connect({ clientId: 'member-test', brokers: ['127.0.0.1:1'] }, testLogger());
    const calls = { subscribe: 0, disconnect: 0 };
    jest.spyOn(kafkajsOf(client), 'consumer').mockImplementation(
      () =>
        ({
          events: { GROUP_JOIN: 'join', STOP: 'stop', CRASH: 'crash', END_BATCH_PROCESS: 'end' },
          on: () => undefined,
          connect: async () => undefined,
          subscribe: async () => {
            const failure = failures[calls.subscribe];
            calls.subscribe += 1;
            if (failure) throw failure;
          },
          run: async () => undefined,
          pause: () => undefined,
          disconnect: async () => {
            calls.disconnect += 1;
          },
        }) as unknown as Consumer,
    );
    return { client, calls };
  };

  const start = (client: KafkaClient) =>
    startMember({
      kafka: client,
      groupId: 'g',
      topics: ['rides'],
      logger: testLogger(),
      fetch: LATENCY_FIRST_FETCH,
      partitionsConsumedConcurrently: 1,
      onFatal: () => undefined,
      eachBatch: async () => undefined,
    });

  it('when a broker does not know the topic yet, then it tries again and starts', async () => {
    const { client, calls } = clientFailingToSubscribe([unknownTopic(), unknownTopic()]);

    await expect(start(client)).resolves.toMatchObject({ isStopping: expect.any(Function) });
    expect(calls.subscribe).toBe(3);
    expect(calls.disconnect).toBe(2);
  });

  it('when the failure is not one a retry can mend, then the start fails at once', async () => {
    const { client, calls } = clientFailingToSubscribe([new Error('a bug')]);

    await expect(start(client)).rejects.toThrow('a bug');
    expect(calls.subscribe).toBe(1);
  });
});
