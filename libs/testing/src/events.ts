import { randomUUID } from 'node:crypto';
import { exampleRideRequested, type RideRequestedEvent } from '@taxi/events';

/** A valid ride request with fresh ids, so tests never collide. */
export const freshRideRequested = (
  overrides: Partial<RideRequestedEvent['payload']> = {},
): RideRequestedEvent => {
  const base = exampleRideRequested({ rideId: randomUUID(), ...overrides });
  return { ...base, eventId: randomUUID(), correlationId: randomUUID() };
};
