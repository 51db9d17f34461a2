import type { RideConfirmedEvent, RideRejectedEvent, RideRequestedEvent } from './rides';

/** Valid example events, for tests and documentation. Override any field you care about. */
export const exampleRideRequested = (
  overrides: Partial<RideRequestedEvent['payload']> = {},
): RideRequestedEvent => ({
  eventId: '6f1c1c5e-2b8e-4a43-9a5c-3f1f0f3a6d01',
  type: 'ride.requested',
  schemaVersion: 1,
  occurredAt: '2026-11-21T10:00:00.000Z',
  correlationId: 'corr-1',
  payload: {
    rideId: '0b6f2f7e-8a55-4d3c-b7a1-6a8e8f9a1c11',
    customerId: 'cust-42',
    customerEmail: 'ada@example.com',
    pickup: { lat: 40.7128, lng: -74.006 },
    dropoff: { lat: 40.7306, lng: -73.9352 },
    passengers: 1,
    paymentToken: 'tok_visa',
    requestedAt: '2026-11-21T10:00:00.000Z',
    ...overrides,
  },
});

export const exampleRideConfirmed = (
  overrides: Partial<RideConfirmedEvent['payload']> = {},
): RideConfirmedEvent => {
  const { paymentToken: _token, ...request } = exampleRideRequested().payload;
  return {
    ...exampleRideRequested(),
    eventId: '8d7e4c1a-3f2b-4b6a-9c1d-2e3f4a5b6c7d',
    type: 'ride.confirmed',
    payload: {
      ...request,
      driver: { id: 'drv-007', name: 'Grace Hopper' },
      vehicle: { make: 'Toyota', model: 'Prius', color: 'white', plate: 'TX-1234' },
      pickupEta: { seconds: 240, at: '2026-11-21T10:04:00.000Z' },
      distanceKm: 7.2,
      fare: { amount: 2140, currency: 'USD' },
      payment: { status: 'authorized', authorizationId: 'auth-1' },
      confirmedAt: '2026-11-21T10:00:00.500Z',
      ...overrides,
    },
  };
};

export const exampleRideRejected = (
  overrides: Partial<RideRejectedEvent['payload']> = {},
): RideRejectedEvent => ({
  ...exampleRideRequested(),
  eventId: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
  type: 'ride.rejected',
  payload: {
    rideId: '0b6f2f7e-8a55-4d3c-b7a1-6a8e8f9a1c11',
    customerId: 'cust-42',
    customerEmail: 'ada@example.com',
    requestedAt: '2026-11-21T10:00:00.000Z',
    reason: 'payment_declined',
    detail: 'card declined by issuer',
    rejectedAt: '2026-11-21T10:00:00.400Z',
    ...overrides,
  },
});
