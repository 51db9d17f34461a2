import { randomUUID } from 'node:crypto';
import { DEFAULT_VEHICLE_CLASS, newEnvelope, type RideRequestedEvent } from '@taxi/events';
import { IdempotencyConflictError, requestFingerprint, rideIdForKey } from './idempotency';
import type { RideRequestInput } from './ride-request-input';
import type { RideStatusStore } from './ride-status';

export interface RequestRideDeps {
  /**
   * Resolves once the broker acknowledged. Rejects with an `OutcomeUnknown` when the broker had
   * the events but did not acknowledge in time; with anything else, nothing was published.
   */
  readonly publish: (events: RideRequestedEvent[]) => Promise<void>;
  readonly store: RideStatusStore;
  readonly now: () => Date;
  /**
   * Publishes in progress by ride id, so concurrent retries share one publish; a publish whose
   * outcome is unknown stays here until the broker settles it, so a retry never publishes again.
   */
  readonly inFlight: Map<string, Promise<AcceptedRide>>;
  /** How long a retry waits on an earlier publish of its ride before answering "unknown". */
  readonly answerWithinMs: number;
}

/** What `publish` rejects with when the broker had the events but did not acknowledge in time. */
export interface OutcomeUnknown extends Error {
  /** True once the broker acknowledged after all, false if the producer gave up on them. */
  readonly settled: Promise<boolean>;
}

const isOutcomeUnknown = (error: unknown): error is OutcomeUnknown =>
  error instanceof Error && (error as Partial<OutcomeUnknown>).settled instanceof Promise;

/**
 * The ride may or may not be booked: its request reached the broker, which did not acknowledge in
 * time. The client can look it up (`GET /rides/{rideId}`), or retry with the same Idempotency-Key.
 */
export class RideOutcomeUnknownError extends Error {
  constructor(
    readonly rideId: string,
    /** Resolves with the ride once the broker acknowledged; rejects if the producer gave up. */
    readonly eventually?: Promise<AcceptedRide>,
  ) {
    super(`the request for ride ${rideId} reached Kafka, which did not acknowledge it in time`);
    this.name = 'RideOutcomeUnknownError';
  }
}

export interface AcceptedRide {
  readonly rideId: string;
  readonly requestedAt: string;
  readonly correlationId: string;
  /** True when this answers a retry of an already accepted request (same idempotency key). */
  readonly replayed: boolean;
}

/**
 * Accepts a ride request: gives it an id, publishes it, and records it as requested. Resolves only
 * after the broker acknowledged the event. Rejects with `RideOutcomeUnknownError` (naming the
 * ride) when the broker had it but did not acknowledge in time; with any other error, nothing was
 * published and nothing will be. With an idempotency key, a retry of an accepted request gets the
 * same ride back and publishes nothing, and a retry while an earlier publish of it is unsettled
 * waits on that publish rather than publish a second copy.
 */
export const requestRide = async (
  input: RideRequestInput,
  context: { correlationId: string; idempotencyKey?: string | undefined },
  deps: RequestRideDeps,
): Promise<AcceptedRide> => {
  // A fresh random id cannot be known yet: only a retry (same key, same id) needs the lookups and
  // what was asked for, which keeps the read model and a SHA-256 off the path of a plain request.
  if (!context.idempotencyKey) {
    return publishRequest(input, randomUUID(), undefined, context.correlationId, deps);
  }
  const fingerprint = requestFingerprint(input);
  const rideId = rideIdForKey(input.customerId, context.idempotencyKey);
  const known = deps.store.get(rideId);
  if (known) {
    // An outcome may arrive before its request event: nothing to compare against yet.
    if (known.fingerprint !== undefined && known.fingerprint !== fingerprint)
      throw new IdempotencyConflictError(rideId);
    return {
      rideId,
      requestedAt: known.requestedAt,
      correlationId: context.correlationId,
      replayed: true,
    };
  }
  const pending = deps.inFlight.get(rideId);
  if (pending)
    return { ...(await answerWithin(pending, rideId, deps.answerWithinMs)), replayed: true };

  const publishing = publishRequest(input, rideId, fingerprint, context.correlationId, deps);
  deps.inFlight.set(rideId, publishing);
  try {
    return await publishing;
  } catch (error) {
    const eventually = error instanceof RideOutcomeUnknownError ? error.eventually : undefined;
    if (eventually) {
      deps.inFlight.set(rideId, eventually);
      const forget = () => {
        if (deps.inFlight.get(rideId) === eventually) deps.inFlight.delete(rideId);
      };
      eventually.then(forget, forget);
    }
    throw error;
  } finally {
    if (deps.inFlight.get(rideId) === publishing) deps.inFlight.delete(rideId);
  }
};

/** An earlier publish's answer, or "unknown" if it has none within the time a publish gets. */
const answerWithin = (
  pending: Promise<AcceptedRide>,
  rideId: string,
  ms: number,
): Promise<AcceptedRide> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new RideOutcomeUnknownError(rideId)), ms);
    pending.then(resolve, reject).finally(() => clearTimeout(timer));
  });

const publishRequest = async (
  input: RideRequestInput,
  rideId: string,
  fingerprint: string | undefined,
  correlationId: string,
  deps: RequestRideDeps,
): Promise<AcceptedRide> => {
  const now = deps.now();
  const event: RideRequestedEvent = {
    ...newEnvelope('ride.requested', correlationId, now),
    // The class is written even when the client left it out: the event says what was asked for,
    // and readers of ride_details 1.0 carry it on (ADR 040).
    payload: {
      ...input,
      rideId,
      requestedAt: now.toISOString(),
      vehicleClass: input.vehicleClass ?? DEFAULT_VEHICLE_CLASS,
    },
  };
  const accepted = () => {
    deps.store.requested(rideId, event.payload.requestedAt, fingerprint);
    return { rideId, requestedAt: event.payload.requestedAt, correlationId, replayed: false };
  };
  try {
    await deps.publish([event]);
  } catch (error) {
    if (!isOutcomeUnknown(error)) throw error;
    const eventually = error.settled.then((acknowledged) => {
      // Given up on: it may still have been written; a retry with the key publishes it again.
      if (!acknowledged) throw new RideOutcomeUnknownError(rideId);
      return accepted();
    });
    eventually.catch(() => undefined); // a request without a key has nobody waiting on it
    throw new RideOutcomeUnknownError(rideId, eventually);
  }
  return accepted();
};
