import type { Producer } from 'kafkajs';
import { topics } from '@taxi/events';
import { freshRideRequested, testLogger } from '@taxi/testing';
import { connect, kafkajsOf } from './connect';
import { KafkaRuntimeError, PublishOutcomeUnknownError } from './errors';
import { createPublisher, inParts, SEND_BYTES } from './publish';

/** A producer whose every sendBatch waits until the test answers it, as a broker would. */
const fakeKafka = () => {
  const sends: { settle: (error?: Error) => void; messages: number }[] = [];
  const listeners = new Map<string, () => void>();
  const producer = {
    events: { CONNECT: 'connect', DISCONNECT: 'disconnect' },
    on: (event: string, listener: () => void) => listeners.set(event, listener),
    connect: async () => listeners.get('connect')?.(),
    disconnect: async () => undefined,
    sendBatch: ({ topicMessages }: { topicMessages: { messages: unknown[] }[] }) =>
      new Promise<void>((resolve, reject) => {
        sends.push({
          settle: (error) => (error ? reject(error) : resolve()),
          messages: topicMessages.reduce((n, topic) => n + topic.messages.length, 0),
        });
      }),
  } as unknown as Producer;
  const made = { producers: 0 };
  // A client made by connect (it connects to nothing until a producer does), whose producers are
  // the fake above.
  const kafka = connect({ brokers: ['127.0.0.1:1'], clientId: 'publish-spec' }, testLogger());
  jest.spyOn(kafkajsOf(kafka), 'producer').mockImplementation(() => {
    made.producers += 1;
    return producer;
  });
  return { kafka, sends, made };
};

const TIMEOUT_MS = 1_000;

describe('createPublisher when the broker is slow to acknowledge', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const start = async () => {
    const { kafka, sends, made } = fakeKafka();
    const publisher = await createPublisher({
      kafka,
      logger: testLogger(),
      timeoutMs: TIMEOUT_MS,
    });
    const publish = () => publisher.publish(topics.rideRequested, [freshRideRequested()]);
    return { publisher, sends, publish, made };
  };

  it('when a publish waiting behind a stuck batch times out, then it is withdrawn: never handed to the broker', async () => {
    const { sends, publish } = await start();
    const first = publish().catch((error: unknown) => error);
    const second = publish().catch((error: unknown) => error);

    await jest.advanceTimersByTimeAsync(TIMEOUT_MS);
    sends[0]?.settle();
    await jest.advanceTimersByTimeAsync(0);

    expect(await second).toMatchObject({ code: 'publish_timeout', retriable: true });
    expect(await second).toBeInstanceOf(KafkaRuntimeError);
    expect(await first).toBeInstanceOf(PublishOutcomeUnknownError);
    // Only the first batch ever reached the broker.
    expect(sends.map((send) => send.messages)).toEqual([1]);
  });

  it('when the broker has a publish and does not acknowledge in time, then the outcome is unknown, and told once known', async () => {
    const { sends, publish } = await start();
    const answer = publish().catch((error: unknown) => error);

    await jest.advanceTimersByTimeAsync(TIMEOUT_MS);
    const error = await answer;
    expect(error).toBeInstanceOf(PublishOutcomeUnknownError);
    expect(error).toMatchObject({ code: 'publish_outcome_unknown', retriable: true });

    sends[0]?.settle();
    expect(await (error as PublishOutcomeUnknownError).settled).toBe(true);
  });

  it('when the producer gives up on a batch the broker had, then the outcome is unknown and settled as not acknowledged', async () => {
    const { sends, publish } = await start();
    const answer = publish().catch((error: unknown) => error);

    await jest.advanceTimersByTimeAsync(0);
    sends[0]?.settle(new Error('INVALID_PRODUCER_EPOCH'));
    const error = (await answer) as PublishOutcomeUnknownError;

    expect(error).toBeInstanceOf(PublishOutcomeUnknownError);
    expect(await error.settled).toBe(false);
  });

  it('when the producer gave up on a batch, then the next batch goes out on a new producer', async () => {
    const { sends, publish, made } = await start();
    const failed = publish().catch((error: unknown) => error);
    await jest.advanceTimersByTimeAsync(0);

    sends[0]?.settle(new Error('The broker received an out of order sequence number'));
    await failed;
    const next = publish();
    await jest.advanceTimersByTimeAsync(0);
    sends[1]?.settle();

    await expect(next).resolves.toBeUndefined();
    expect(made.producers).toBe(2);
  });

  it('when a batch waits longer than the timeout, then the publisher is not ready until it is acknowledged', async () => {
    const { publisher, sends, publish } = await start();
    const answer = publish().catch(() => undefined);
    await jest.advanceTimersByTimeAsync(0);
    const readyBefore = publisher.isReady();

    await jest.advanceTimersByTimeAsync(TIMEOUT_MS);
    const readyWhileStuck = publisher.isReady();
    sends[0]?.settle();
    await answer;
    await jest.advanceTimersByTimeAsync(0);

    expect([readyBefore, readyWhileStuck, publisher.isReady()]).toEqual([true, false, true]);
  });
});

describe('inParts: the sends of one transaction', () => {
  const message = (key: string, bytes: number) => ({
    key,
    value: Buffer.alloc(bytes),
    headers: { 'content-type': 'application/json' },
  });

  it('when outputs fit one send, then they are one part, as they were', () => {
    const outputs = [message('a', 100), message('b', 100)];

    expect(inParts(outputs, (m) => m)).toEqual([outputs]);
  });

  it('when outputs pass the bytes of a send, then they are split in order, each part within the bound, and one larger than the bound is a part of its own', () => {
    const outputs = [
      ...Array.from({ length: 5 }, (_, i) => message(`small-${i}`, 300_000)),
      message('huge', 900_000),
      message('last', 10),
    ];

    const parts = inParts(outputs, (m) => m);

    expect(parts.flat()).toEqual(outputs);
    expect(parts.map((part) => part.map((m) => m.key))).toEqual([
      ['small-0'],
      ['small-1'],
      ['small-2'],
      ['small-3'],
      ['small-4'],
      ['huge'],
      ['last'],
    ]);
    expect(
      inParts(outputs.slice(0, 5), (m) => m, 2 * SEND_BYTES).map((part) => part.length),
    ).toEqual([3, 2]);
  });
});
