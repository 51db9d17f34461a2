import type { RideConfirmation, RideRejection } from '@taxi/events';

export type RideStatus =
  | { rideId: string; status: 'requested'; requestedAt: string }
  | {
      rideId: string;
      status: 'confirmed';
      requestedAt: string;
      confirmedAt: string;
      driver: RideConfirmation['driver'];
      vehicle: RideConfirmation['vehicle'];
      pickupEta: RideConfirmation['pickupEta'];
      fare: RideConfirmation['fare'];
    }
  | {
      rideId: string;
      status: 'rejected';
      requestedAt: string;
      rejectedAt: string;
      reason: RideRejection['reason'];
      detail: string;
    };

/** What the store keeps per ride: its status, and what was asked for (to check idempotency keys). */
export type StoredRide = RideStatus & { fingerprint?: string | undefined };

export type RideOutcome = Extract<RideStatus, { status: 'confirmed' | 'rejected' }>;

/**
 * How one ride event changes the read model. The topics are not ordered with each other, so the
 * store applies them by one rule, whichever arrives first: an outcome always wins over
 * "requested", and a request only fills in what was asked for (its fingerprint) if missing.
 */
export type RideChange =
  | {
      kind: 'requested';
      rideId: string;
      requestedAt: string;
      /** Only for a ride an idempotency key named: no retry can name a random id. */
      fingerprint: string | undefined;
    }
  | { kind: 'decided'; outcome: RideOutcome };

/** What accepting a ride needs of the read model: a lookup, and to note a ride just accepted. */
export interface RideStatusStore {
  get(rideId: string): StoredRide | undefined;
  /** `fingerprint` only for a request with an idempotency key: no retry can name a random id. */
  requested(rideId: string, requestedAt: string, fingerprint?: string): void;
}
