import pino from 'pino';
import type { DeadLetterReason } from './dead-letter';
import { KafkaRuntimeError } from './errors';
import { retryBatch } from './at-least-once';

class Refused extends Error {}

/** A handler whose answers per entry and try are scripted: an error fails it, undefined is done. */
const scripted = (script: Record<string, readonly (Error | undefined)[]>) => {
  const tries: string[][] = [];
  const handle = async (entries: readonly string[]) => {
    tries.push([...entries]);
    const attempt = tries.length - 1;
    const failures = new Map<string, unknown>();
    for (const entry of entries) {
      const error = script[entry]?.[attempt];
      if (error) failures.set(entry, error);
    }
    return failures;
  };
  return { handle, tries };
};

const run = async (
  entries: readonly string[],
  handle: (entries: readonly string[]) => Promise<ReadonlyMap<string, unknown>>,
  attempts = 3,
  stopping = () => false,
) => {
  const deadLettered = new Map<string, DeadLetterReason>();
  const pauses: number[] = [];
  const outcome = retryBatch({
    entries,
    handle,
    retry: { attempts, initialDelayMs: 1, maxDelayMs: 1 },
    isRetriable: (error) => !(error instanceof Refused),
    service: 'email',
    logger: pino({ level: 'silent' }),
    deadLetter: async (entry, why) => {
      deadLettered.set(entry, why);
    },
    beforeNextTry: async (attempt) => {
      pauses.push(attempt);
    },
    stopping,
  });
  return { outcome, deadLettered, pauses };
};

describe('retryBatch', () => {
  it('when every entry succeeds, then the batch is handled in one try and nothing is dead-lettered', async () => {
    const { handle, tries } = scripted({});

    const { outcome, deadLettered, pauses } = await run(['a', 'b', 'c'], handle);
    await outcome;

    expect(tries).toEqual([['a', 'b', 'c']]);
    expect(deadLettered.size).toBe(0);
    expect(pauses).toEqual([]);
  });

  it('when an entry fails for now, then only the failed one is tried again, after a pause, until it succeeds', async () => {
    const { handle, tries } = scripted({ b: [new Error('451 try later'), new Error('451')] });

    const { outcome, deadLettered, pauses } = await run(['a', 'b', 'c'], handle);
    await outcome;

    expect(tries).toEqual([['a', 'b', 'c'], ['b'], ['b']]);
    expect(pauses).toEqual([1, 2]);
    expect(deadLettered.size).toBe(0);
  });

  it('when an entry is refused for good, then it is dead-lettered at once with the reason, and the others are not', async () => {
    const { handle, tries } = scripted({ b: [new Refused('550 no such mailbox')] });

    const { outcome, deadLettered } = await run(['a', 'b', 'c'], handle);
    await outcome;

    expect(tries).toHaveLength(1);
    expect([...deadLettered.keys()]).toEqual(['b']);
    expect(deadLettered.get('b')).toEqual({
      kind: 'processing_failed',
      reason: 'Error: 550 no such mailbox',
      service: 'email',
      attempts: 1,
    });
  });

  it('when an entry keeps failing for now, then it is dead-lettered after the retry budget', async () => {
    const down = new Error('connection refused');
    const { handle, tries } = scripted({ a: [down, down, down] });

    const { outcome, deadLettered } = await run(['a', 'b'], handle, 3);
    await outcome;

    expect(tries).toEqual([['a', 'b'], ['a'], ['a']]);
    expect(deadLettered.get('a')).toMatchObject({
      attempts: 3,
      reason: 'Error: connection refused',
    });
  });

  it('when Kafka fails, then the batch is given back (thrown) and nothing is dead-lettered', async () => {
    const kafkaDown = new KafkaRuntimeError('no ack', 'publish_timeout', true);
    const { handle } = scripted({ a: [kafkaDown] });

    const { outcome, deadLettered } = await run(['a', 'b'], handle);

    await expect(outcome).rejects.toBe(kafkaDown);
    expect(deadLettered.size).toBe(0);
  });

  it('when a graceful stop begins with entries still failing, then it stops trying, dead-letters nothing and says the batch is not done', async () => {
    const { handle, tries } = scripted({ b: [new Error('451 try later')] });

    const { outcome, deadLettered, pauses } = await run(['a', 'b'], handle, 3, () => true);

    await expect(outcome).resolves.toBe(false);
    expect(tries).toHaveLength(1);
    expect(pauses).toEqual([]);
    expect(deadLettered.size).toBe(0);
  });
});
