import { randomUUID } from 'node:crypto';
import { DEFAULT_VEHICLE_CLASS, newEnvelope, type RideRequestedEvent } from '@taxi/events';
import { IdempotencyConflictError, requestFingerprint, rideIdForKey } from './idempotency';
import type { RideRequestInput } from './ride-request-input';
import type { RideStatusStore } from './ride-status';

export interface RequestRideDeps {
  readonly publish: (events: RideRequestedEvent[]) => Promise<void>;
  readonly store: RideStatusStore;
  readonly now: () => Date;
  /** Publishes in progress by ride id, so concurrent retries share one publish. */
  readonly inFlight: Map<string, Promise<AcceptedRide>>;
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
 * after the broker acknowledged the event; rejects (nothing recorded) if it did not. With an
 * idempotency key, a retry of an accepted request gets the same ride back and publishes nothing.
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
  if (pending) return { ...(await pending), replayed: true };

  const publishing = publishRequest(input, rideId, fingerprint, context.correlationId, deps);
  deps.inFlight.set(rideId, publishing);
  try {
    return await publishing;
  } finally {
    deps.inFlight.delete(rideId);
  }
};

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
  await deps.publish([event]);
  deps.store.requested(rideId, event.payload.requestedAt, fingerprint);
  return { rideId, requestedAt: event.payload.requestedAt, correlationId, replayed: false };
};
