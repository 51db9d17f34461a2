import { randomUUID } from 'node:crypto';
import { newEnvelope, type RideRequestedEvent } from '@taxi/events';
import type { RideRequestInput } from './ride-request-input';
import type { RideStatusStore } from './ride-status';

export interface RequestRideDeps {
  readonly publish: (events: RideRequestedEvent[]) => Promise<void>;
  readonly store: RideStatusStore;
  readonly now: () => Date;
}

/**
 * Accepts a ride request: gives it an id, publishes it, and records it as requested. Resolves only
 * after the broker acknowledged the event; rejects (nothing recorded) if it did not.
 */
export const requestRide = async (
  input: RideRequestInput,
  correlationId: string,
  deps: RequestRideDeps,
): Promise<RideRequestedEvent> => {
  const now = deps.now();
  const event: RideRequestedEvent = {
    ...newEnvelope('ride.requested', correlationId, now),
    payload: { ...input, rideId: randomUUID(), requestedAt: now.toISOString() },
  };
  await deps.publish([event]);
  deps.store.requested(event.payload.rideId, event.payload.requestedAt);
  return event;
};
