import {
  newEnvelope,
  type RideConfirmedEvent,
  type RideRejectedEvent,
  type RideRequestedEvent,
} from '@taxi/events';
import type { Dispatcher } from './fleet';
import { distanceKm } from './geo';
import { authorizePayment } from './payment-gateway';
import { fareFor, travelSeconds, type Tariff } from './pricing';

export interface ProcessRideDeps {
  readonly dispatcher: Dispatcher;
  readonly tariff: Tariff;
  /** Simulated time runs faster: a driver is busy for (pickup + trip time) × this scale. */
  readonly busyTimeScale: number;
  readonly now: () => Date;
}

export type RideDecision =
  { kind: 'confirmed'; event: RideConfirmedEvent } | { kind: 'rejected'; event: RideRejectedEvent };

const roundKm = (km: number) => Math.round(km * 100) / 100;

/**
 * Decides a ride: find the nearest free driver, price the trip, authorize the payment. No driver
 * means no charge. The events carry the request's correlation id onward.
 */
export const processRideRequest = (
  request: RideRequestedEvent,
  deps: ProcessRideDeps,
): RideDecision => {
  const ride = request.payload;
  const now = deps.now();
  const reject = (
    reason: RideRejectedEvent['payload']['reason'],
    detail: string,
  ): RideDecision => ({
    kind: 'rejected',
    event: {
      ...newEnvelope('ride.rejected', request.correlationId, now),
      payload: {
        rideId: ride.rideId,
        customerId: ride.customerId,
        customerEmail: ride.customerEmail,
        requestedAt: ride.requestedAt,
        reason,
        detail,
        rejectedAt: now.toISOString(),
      },
    },
  });

  const match = deps.dispatcher.nearestAvailable(ride.pickup, now.getTime());
  if (!match) return reject('no_driver_available', 'no driver is free near the pickup point');

  const tripKm = distanceKm(ride.pickup, ride.dropoff);
  const fare = fareFor(tripKm, deps.tariff);
  const payment = authorizePayment(ride.rideId, ride.paymentToken, fare);
  if (payment.status === 'declined') return reject('payment_declined', payment.reason);

  const etaSeconds = travelSeconds(match.km, deps.tariff);
  const busyMs = (etaSeconds + travelSeconds(tripKm, deps.tariff)) * 1000 * deps.busyTimeScale;
  deps.dispatcher.assign(match.driver.id, now.getTime() + busyMs, ride.dropoff);

  const { paymentToken: _token, ...request_ } = ride;
  return {
    kind: 'confirmed',
    event: {
      ...newEnvelope('ride.confirmed', request.correlationId, now),
      payload: {
        ...request_,
        driver: { id: match.driver.id, name: match.driver.name },
        vehicle: match.driver.vehicle,
        pickupEta: {
          seconds: etaSeconds,
          at: new Date(now.getTime() + etaSeconds * 1000).toISOString(),
        },
        distanceKm: roundKm(tripKm),
        fare,
        payment: { status: 'authorized', authorizationId: payment.authorizationId },
        confirmedAt: now.toISOString(),
      },
    },
  };
};
