import type { DriverHandOverEvent, RideForwardEvent } from './dispatch';
import type { AnalyticsStateEvent, EmailSentEvent, FleetStateEvent } from './internal';
import type {
  RideAnalyticsSummaryEvent,
  RideConfirmedEvent,
  RideRejectedEvent,
  RideRequestedEvent,
} from './rides';

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

export const exampleEmailSent = (
  overrides: Partial<EmailSentEvent['payload']> = {},
): EmailSentEvent => ({
  ...exampleRideRequested(),
  eventId: '2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f',
  type: 'email.sent',
  occurredAt: '2026-11-21T10:00:01.000Z',
  payload: {
    rideId: '0b6f2f7e-8a55-4d3c-b7a1-6a8e8f9a1c11',
    kind: 'confirmation',
    messageId: '<0b6f2f7e-8a55-4d3c-b7a1-6a8e8f9a1c11.confirmation@taxi.example>',
    sentAt: '2026-11-21T10:00:01.000Z',
    ...overrides,
  },
});

export const exampleAnalyticsSummary = (
  overrides: Partial<RideAnalyticsSummaryEvent['payload']> = {},
): RideAnalyticsSummaryEvent => ({
  ...exampleRideRequested(),
  eventId: '3d4e5f6a-7b8c-4d9e-8f0a-1b2c3d4e5f6a',
  type: 'ride.analytics_summary',
  occurredAt: '2026-11-21T10:01:00.000Z',
  correlationId: 'analytics-2026-11-21T10:00:00.000Z',
  payload: {
    windowStart: '2026-11-21T10:00:00.000Z',
    windowEnd: '2026-11-21T10:01:00.000Z',
    confirmed: 3,
    rejected: 1,
    confirmationRate: 0.75,
    rejectionsByReason: { no_driver_available: 1 },
    pickupEtaSeconds: { p50: 180, p90: 300, max: 420 },
    fares: { total: { amount: 6420, currency: 'USD' }, average: { amount: 2140, currency: 'USD' } },
    busiestPickupZones: [{ zone: '40.71,-74.01', rides: 3 }],
    ...overrides,
  },
});

export const exampleAnalyticsState = (
  overrides: Partial<AnalyticsStateEvent['payload']> = {},
): AnalyticsStateEvent => ({
  ...exampleRideRequested(),
  eventId: '4e5f6a7b-8c9d-4e0f-9a1b-2c3d4e5f6a7b',
  type: 'analytics.partition_state',
  occurredAt: '2026-11-21T10:00:02.000Z',
  correlationId: 'analytics-ride_confirmed-0',
  payload: {
    source: { topic: 'ride_confirmed', partition: 0 },
    nextOffset: '4',
    confirmed: 3,
    rejected: 1,
    rejectionsByReason: { no_driver_available: 1 },
    fareTotal: { amount: 6420, currency: 'USD' },
    etaBuckets: { '180': 2, '300': 1 },
    pickupZones: { '40.71,-74.01': 3 },
    perMinute: { '2026-11-21T10:00:00.000Z': { confirmed: 3, rejected: 1 } },
    ...overrides,
  },
});

export const exampleFleetState = (
  overrides: Partial<FleetStateEvent['payload']> = {},
): FleetStateEvent => ({
  ...exampleRideRequested(),
  schemaVersion: 2,
  eventId: '5f6a7b8c-9d0e-4f1a-8b2c-3d4e5f6a7b8c',
  type: 'fleet.partition_state',
  occurredAt: '2026-11-21T10:00:00.500Z',
  correlationId: 'fleet-ride_details-0',
  payload: {
    source: { topic: 'ride_details', partition: 0 },
    nextOffset: '1',
    inputOffsets: { ride_details: '1', dispatch: '0' },
    drivers: [
      {
        id: 'drv-007',
        position: { lat: 40.7306, lng: -73.9352 },
        busyUntil: '2026-11-21T10:25:00.000Z',
        vehicleClass: 'standard',
      },
      { id: 'drv-008', position: { lat: 40.72, lng: -74.0 }, vehicleClass: 'xl' },
    ],
    rides: [{ rideId: '0b6f2f7e-8a55-4d3c-b7a1-6a8e8f9a1c11', handling: 'decided' }],
    claims: [],
    dealtFleetSize: 200,
    ...overrides,
  },
});

export const exampleRideForward = (
  overrides: Partial<RideForwardEvent['payload']> = {},
): RideForwardEvent => {
  const { payload, ...request } = exampleRideRequested();
  return {
    ...request,
    eventId: '6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d',
    type: 'dispatch.forward',
    occurredAt: '2026-11-21T10:00:00.400Z',
    payload: {
      request: payload,
      hops: 1,
      from: 0,
      preferredDriverId: 'drv-009',
      excluded: [],
      ...overrides,
    },
  };
};

export const exampleDriverHandOver = (
  overrides: Partial<DriverHandOverEvent['payload']> = {},
): DriverHandOverEvent => ({
  ...exampleRideRequested(),
  eventId: '7b8c9d0e-1f2a-4b3c-9d4e-5f6a7b8c9d0e',
  type: 'dispatch.hand_over',
  occurredAt: '2026-11-21T10:00:00.600Z',
  correlationId: 'hand-over-drv-007',
  payload: {
    driverId: 'drv-007',
    position: { lat: 40.7306, lng: -73.9352 },
    busyUntil: '2026-11-21T10:25:00.000Z',
    from: 0,
    ...overrides,
  },
});

/**
 * A ride request as a newer rides might write it (ADR 040): one field more in the envelope
 * (`traceLevel`), in the payload (`seatPreference`) and in the pickup (`floor`).
 */
export const asWrittenByANewerVersion = (event: RideRequestedEvent) => ({
  ...event,
  traceLevel: 'debug',
  payload: {
    ...event.payload,
    seatPreference: 'front',
    pickup: { ...event.payload.pickup, floor: 2 },
  },
});
