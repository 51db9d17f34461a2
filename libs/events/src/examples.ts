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
  },
  rideConfirmed: { confirmed: exampleRideConfirmed() },
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
  fleetState: { 'busy-and-free-drivers': exampleFleetState() },
};
