import type { RideConfirmedEvent, RideRejectedEvent, RideRequestedEvent } from '@taxi/events';
import { isKeyedRideId, requestFingerprint } from './idempotency';
import type { RideChange } from './ride-status';

export type RideEvent = RideRequestedEvent | RideConfirmedEvent | RideRejectedEvent;

/** The change one ride event makes to the read model (the store applies it). */
export const rideChangeOf = (event: RideEvent): RideChange => {
  switch (event.type) {
    case 'ride.requested':
      return {
        kind: 'requested',
        rideId: event.payload.rideId,
        requestedAt: event.payload.requestedAt,
        // A SHA-256 per ride only where a retry can name it (ADR 036).
        fingerprint: isKeyedRideId(event.payload.rideId)
          ? requestFingerprint(event.payload)
          : undefined,
      };
    case 'ride.confirmed': {
      const ride = event.payload;
      return {
        kind: 'decided',
        outcome: {
          rideId: ride.rideId,
          status: 'confirmed',
          requestedAt: ride.requestedAt,
          confirmedAt: ride.confirmedAt,
          driver: ride.driver,
          vehicle: ride.vehicle,
          pickupEta: ride.pickupEta,
          fare: ride.fare,
        },
      };
    }
    case 'ride.rejected': {
      const ride = event.payload;
      return {
        kind: 'decided',
        outcome: {
          rideId: ride.rideId,
          status: 'rejected',
          requestedAt: ride.requestedAt,
          rejectedAt: ride.rejectedAt,
          reason: ride.reason,
          detail: ride.detail,
        },
      };
    }
    default: {
      const unexpected: never = event;
      throw new Error(`unexpected event ${JSON.stringify(unexpected)}`);
    }
  }
};

/** When an outcome was decided, and how long after the request (for the end-to-end metric). */
export const decisionLatency = (
  outcome: RideChange & { kind: 'decided' },
): { status: 'confirmed' | 'rejected'; seconds: number } => {
  const ride = outcome.outcome;
  const decidedAt = ride.status === 'confirmed' ? ride.confirmedAt : ride.rejectedAt;
  return {
    status: ride.status,
    seconds: (Date.parse(decidedAt) - Date.parse(ride.requestedAt)) / 1000,
  };
};
