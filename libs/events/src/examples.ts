import {
  exampleAnalyticsState,
  exampleAnalyticsSummary,
  exampleDriverHandOver,
  exampleEmailSent,
  exampleFleetState,
  exampleRideConfirmed,
  exampleRideForward,
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
    'owned-drivers': exampleFleetState(),
    'forwarded-and-claimed': exampleFleetState({
      rides: [
        { rideId: '0b6f2f7e-8a55-4d3c-b7a1-6a8e8f9a1c11', handling: 'decided' },
        { rideId: '1c7f3f8e-9b66-4e4d-8c2b-7b9f9f0b2d22', handling: 'forwarded', hops: 1 },
      ],
      claims: [{ driverId: 'drv-009', until: '2026-11-21T10:00:01.500Z' }],
    }),
    'owns-no-driver': exampleFleetState({
      source: { topic: 'ride_details', partition: 7 },
      drivers: [],
      rides: [],
    }),
    'shared-after-a-growth-to-12': exampleFleetState({ dealtForPartitions: 12 }),
  },
  dispatch: {
    forward: exampleRideForward(),
    'forward-after-a-taken-driver': exampleRideForward({
      hops: 2,
      from: 3,
      preferredDriverId: 'drv-011',
      excluded: ['drv-009'],
    }),
    'hand-over': exampleDriverHandOver(),
    'hand-over-of-a-free-driver': exampleDriverHandOver({
      driverId: 'drv-008',
      position: { lat: 40.72, lng: -74.0 },
      busyUntil: undefined,
      rideId: undefined,
    }),
  },
};
