import {
  exampleAnalyticsState,
  exampleAnalyticsSummary,
  exampleEmailSent,
  exampleFleetState,
  exampleRideConfirmed,
  exampleRideRejected,
  exampleRideRequested,
} from './fixtures';
import type { EventOf, TopicKey, Topics } from './topics';

/**
 * The example messages published with each topic's current contract version, by name (a topic
 * without examples does not compile). `npm run contracts` writes them beside the version's JSON
 * Schema; from then on they are frozen, and every later version's code must still read them.
 */
export const contractExamples: { [Key in TopicKey]: Record<string, EventOf<Topics[Key]>> } = {
  rideRequested: {
    'one-passenger': exampleRideRequested(),
    'four-passengers': exampleRideRequested({ passengers: 4 }),
    'accessible-car': exampleRideRequested({ vehicleClass: 'accessible' }),
  },
  rideConfirmed: {
    confirmed: exampleRideConfirmed(),
    'xl-car': exampleRideConfirmed({ passengers: 6, vehicleClass: 'xl' }),
  },
  rideRejected: {
    'payment-declined': exampleRideRejected(),
    'no-driver-available': exampleRideRejected({
      reason: 'no_driver_available',
      detail: 'no driver is free near the pickup point',
    }),
  },
  rideAnalytics: { 'one-minute': exampleAnalyticsSummary() },
  emailsSent: {
    confirmation: exampleEmailSent(),
    rejection: exampleEmailSent({
      kind: 'rejection',
      messageId: '<0b6f2f7e-8a55-4d3c-b7a1-6a8e8f9a1c11.rejection@taxi.example>',
    }),
  },
  analyticsState: {
    counted: exampleAnalyticsState(),
    'counted-by-vehicle-class': exampleAnalyticsState({
      confirmedByVehicleClass: { standard: 2, xl: 1 },
    }),
    empty: exampleAnalyticsState({
      nextOffset: '0',
      confirmed: 0,
      rejected: 0,
      rejectionsByReason: {},
      fareTotal: { amount: 0, currency: 'USD' },
      etaBuckets: {},
      pickupZones: {},
      perMinute: {},
    }),
  },
  fleetState: {
    'busy-and-free-drivers': exampleFleetState(),
    'drivers-with-vehicle-classes': exampleFleetState({
      drivers: [
        {
          id: 'drv-007',
          position: { lat: 40.7306, lng: -73.9352 },
          busyUntil: '2026-11-21T10:25:00.000Z',
          vehicleClass: 'standard',
        },
        { id: 'drv-008', position: { lat: 40.72, lng: -74.0 }, vehicleClass: 'xl' },
      ],
    }),
  },
};
