import { setTimeout as delay } from 'node:timers/promises';
import { rideRequest, type RideRequestBody } from './rides-client';

export interface LoadReport {
  /** Ride ids that got a 202, each once. */
  readonly accepted: string[];
  /** When each of those got its 202 (ms since the epoch), in the same order. */
  readonly acceptedAt: number[];
  /** 503 answers and refused connections seen (and retried). */
  readonly unavailable: number;
  /** Of those, 503 outcome_unknown: Kafka had the ride but did not acknowledge it in time. */
  readonly outcomeUnknown: number;
  /** Requests answered 202 on a retry with the same idempotency key. */
  readonly replayed: number;
}

export interface LoadOptions {
  /** Rides to send (at least this many, with `until`). */
  readonly count: number;
  /** Keep sending new rides after `count` until this settles (e.g. a rolling restart's end). */
  readonly until?: Promise<unknown>;
  /** A steady rate: ride n starts n / perSecond seconds after the first (default: as fast as answered). */
  readonly perSecond?: number;
  /** Requests in flight at once. */
  readonly concurrency?: number;
  /** The body of ride `n` (default: a ride in the fleet's area, every 10th card declined). */
  readonly body?: (n: number) => RideRequestBody;
  /** Called after each accepted ride with how many are accepted so far. */
  readonly onAccepted?: (acceptedSoFar: number) => void | Promise<void>;
  /** Called on every 503 or refused connection (before the retry). */
  readonly onUnavailable?: () => void;
  /** How long one ride may keep being retried before the load fails. */
  readonly giveUpAfterMs?: number;
}

const defaultBody = (n: number): RideRequestBody =>
  rideRequest({
    customerId: `load-${n % 97}`,
    customerEmail: `rider${n}@example.com`,
    paymentToken: n % 10 === 9 ? 'tok_chargeDeclined' : 'tok_visa',
  });

/**
 * A client that behaves as a well-written one should: each ride has its own Idempotency-Key, and a
 * 503 or a refused connection is retried with that key (after the server's Retry-After, bounded)
 * until the ride is accepted. Counts what happened.
 */
export const sendRides = async (
  ridesUrl: () => string,
  options: LoadOptions,
): Promise<LoadReport> => {
  const { count, concurrency = 16, body = defaultBody, giveUpAfterMs = 120_000 } = options;
  const accepted: string[] = [];
  const acceptedAt: number[] = [];
  let unavailable = 0;
  let outcomeUnknown = 0;
  let replayed = 0;
  let next = 0;
  let done = options.until === undefined;
  /** Wakes the workers waiting for their ride's turn when the stream ends. */
  const ending = new AbortController();
  const stop = () => {
    done = true;
    ending.abort();
  };
  options.until?.then(stop, stop);
  const startedAt = Date.now();

  const sendOne = async (n: number) => {
    const key = `load-${n}-${Math.random().toString(36).slice(2, 10)}`;
    const deadline = Date.now() + giveUpAfterMs;
    for (let attempt = 1; ; attempt += 1) {
      try {
        const response = await fetch(`${ridesUrl()}/rides`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': key },
          body: JSON.stringify(body(n)),
        });
        const answer = (await response.json()) as { rideId?: string; error?: string };
        if (response.status === 202 && answer.rideId) {
          if (response.headers.get('idempotent-replayed') === 'true') replayed += 1;
          accepted.push(answer.rideId);
          acceptedAt.push(Date.now());
          await options.onAccepted?.(accepted.length);
          return;
        }
        if (response.status !== 503)
          throw new Error(`ride ${n}: unexpected ${response.status} ${answer.error}`);
        if (answer.error === 'outcome_unknown') outcomeUnknown += 1;
      } catch (error) {
        // fetch failed (refused, reset): a TypeError from Node's realm, so compare by name.
        if ((error as Error).name !== 'TypeError') throw error;
      }
      unavailable += 1;
      options.onUnavailable?.();
      if (Date.now() > deadline)
        throw new Error(`ride ${n} not accepted within ${giveUpAfterMs} ms`);
      // Back off like a real client: the service answers Retry-After: 5; tests keep it shorter.
      await delay(Math.min(2_000, 100 * attempt));
    }
  };

  const worker = async () => {
    while (next < count || !done) {
      const n = next;
      next += 1;
      if (options.perSecond) {
        const startAt = startedAt + (n * 1000) / options.perSecond;
        // Each worker claims its next ride before waiting for that ride's turn: at 5 rides/s, 256
        // workers hold the next 51 s. A stream that ends meanwhile sends none of them past `count`.
        const turn = () => startAt - Date.now();
        if (turn() > 0)
          await delay(turn(), undefined, { signal: ending.signal }).catch(() => undefined);
        if (done && n >= count) return;
        if (turn() > 0) await delay(turn());
      }
      await sendOne(n);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { accepted, acceptedAt, unavailable, outcomeUnknown, replayed };
};

/**
 * The longest stretch without an event, in seconds, among event times (ms) within [from, to]:
 * e.g. the seconds without a 202 while a broker failed over.
 */
export const longestGapSeconds = (times: readonly number[], from: number, to: number): number => {
  const inWindow = times.filter((time) => time >= from && time <= to).sort((a, b) => a - b);
  let longest = 0;
  for (let i = 1; i < inWindow.length; i += 1)
    longest = Math.max(longest, (inWindow[i] as number) - (inWindow[i - 1] as number));
  return Math.round(longest / 100) / 10;
};
