import {
  DEFAULT_VEHICLE_CLASS,
  newEnvelope,
  type RideConfirmedEvent,
  type RideRejectedEvent,
  type RideRequestedEvent,
} from '@taxi/events';
import type { Driver } from './fleet';
import { distanceKm } from './geo';
import { authorizePayment } from './payment-gateway';
import { fareFor, travelSeconds, type Tariff } from './pricing';
import { nearestFree, wasDecided, type ShardChange, type ShardState } from './shard';

export interface RideContext {
  /** The drivers of the request's partition (its shard); the state says which are free. */
  readonly drivers: readonly Driver[];
  /** Farthest a driver is sent to a pickup. */
  readonly maxPickupKm: number;
  readonly tariff: Tariff;
  /** Simulated time runs faster: a driver is busy for (pickup + trip time) × this scale. */
  readonly busyTimeScale: number;
  readonly now: Date;
}

export type RideOutcome =
  | { kind: 'confirmed'; event: RideConfirmedEvent }
  | { kind: 'rejected'; event: RideRejectedEvent }
  /** Already decided (the same ride requested twice): nothing to publish, nothing changes. */
  | { kind: 'duplicate' };

/** The outcome to publish and the state change to apply with it, once both are committed. */
export interface RideDecision {
  readonly outcome: RideOutcome;
  readonly change?: ShardChange;
}

const roundKm = (km: number) => Math.round(km * 100) / 100;

/**
 * Decides a ride against the shard's state, changing nothing: find the nearest free driver, price
 * the trip, authorize the payment. No driver means no charge. The events carry the request's
 * correlation id onward. The caller applies `change` (evolveShard) with the outcome's commit.
 */
export const processRideRequest = (
  request: RideRequestedEvent,
  state: ShardState,
  context: RideContext,
): RideDecision => {
  const ride = request.payload;
  const { now, tariff } = context;
  if (wasDecided(state, ride.rideId)) return { outcome: { kind: 'duplicate' } };
  const reject = (
    reason: RideRejectedEvent['payload']['reason'],
    detail: string,
  ): RideDecision => ({
    change: { rideId: ride.rideId },
    outcome: {
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
    },
  });

  // A request of ride_details 1.0 has no class: every ride was standard then.
  const vehicleClass = ride.vehicleClass ?? DEFAULT_VEHICLE_CLASS;
  const match = nearestFree(
    context.drivers,
    state,
    ride.pickup,
    now.getTime(),
    context.maxPickupKm,
    vehicleClass,
  );
  if (!match)
    return reject(
      'no_driver_available',
      vehicleClass === DEFAULT_VEHICLE_CLASS
        ? 'no driver is free near the pickup point'
        : `no ${vehicleClass} driver is free near the pickup point`,
    );

  const tripKm = distanceKm(ride.pickup, ride.dropoff);
  const fare = fareFor(tripKm, tariff);
  const payment = authorizePayment(ride.rideId, ride.paymentToken, fare);
  if (payment.status === 'declined') return reject('payment_declined', payment.reason);

  const etaSeconds = travelSeconds(match.km, tariff);
  const busyMs = (etaSeconds + travelSeconds(tripKm, tariff)) * 1000 * context.busyTimeScale;

  const { paymentToken: _token, ...request_ } = ride;
  return {
    change: {
      rideId: ride.rideId,
      assigned: {
        driverId: match.driver.id,
        busyUntil: now.getTime() + busyMs,
        position: ride.dropoff,
      },
    },
    outcome: {
      kind: 'confirmed',
      event: {
        ...newEnvelope('ride.confirmed', request.correlationId, now),
        payload: {
          ...request_,
          vehicleClass,
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
    },
  };
};
