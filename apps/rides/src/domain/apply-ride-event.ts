import type { RideConfirmedEvent, RideRejectedEvent, RideRequestedEvent } from '@taxi/events';
import { requestFingerprint } from './idempotency';
import type { RideStatusStore } from './ride-status';

export type RideEvent = RideRequestedEvent | RideConfirmedEvent | RideRejectedEvent;

/** Folds one ride event into the status store; returns the outcome it recorded, if any. */
export const applyRideEvent = (
  store: RideStatusStore,
  event: RideEvent,
): { status: 'confirmed' | 'rejected'; requestedAt: string; decidedAt: string } | undefined => {
  switch (event.type) {
    case 'ride.requested':
      store.requested(
        event.payload.rideId,
        event.payload.requestedAt,
        requestFingerprint(event.payload),
      );
      return undefined;
    case 'ride.confirmed':
      store.confirmed(event.payload);
      return {
        status: 'confirmed',
        requestedAt: event.payload.requestedAt,
        decidedAt: event.payload.confirmedAt,
      };
    case 'ride.rejected':
      store.rejected(event.payload);
      return {
        status: 'rejected',
        requestedAt: event.payload.requestedAt,
        decidedAt: event.payload.rejectedAt,
      };
    default: {
      const unexpected: never = event;
      throw new Error(`unexpected event ${JSON.stringify(unexpected)}`);
    }
  }
};
