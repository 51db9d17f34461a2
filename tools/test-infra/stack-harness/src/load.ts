import { setTimeout as delay } from 'node:timers/promises';
import { rideRequest, type RideRequestBody } from './rides-client';

export interface LoadReport {
  /** Ride ids that got a 202, each once. */
  readonly accepted: string[];
  /** 503 answers and refused connections seen (and retried). */
  readonly unavailable: number;
  /** Requests answered 202 on a retry with the same idempotency key. */
  readonly replayed: number;
}

export interface LoadOptions {
  readonly count: number;
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
  let unavailable = 0;
  let replayed = 0;
  let next = 0;

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
          await options.onAccepted?.(accepted.length);
          return;
        }
        if (response.status !== 503)
          throw new Error(`ride ${n}: unexpected ${response.status} ${answer.error}`);
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
    while (next < count) {
      const n = next;
      next += 1;
      await sendOne(n);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { accepted, unavailable, replayed };
};
