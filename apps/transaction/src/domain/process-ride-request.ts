import {
  DEFAULT_VEHICLE_CLASS,
  newEnvelope,
  type DriverHandOverEvent,
  type RideConfirmedEvent,
  type RideForwardEvent,
  type RideRejectedEvent,
  type RideRequest,
  type RideRequestedEvent,
} from '@taxi/events';
import {
  decideDispatch,
  evolveDispatch,
  type Assignment,
  type DispatchChange,
  type DispatchInput,
  type DispatchPolicy,
  type DispatchState,
  type FleetView,
} from './dispatch/dispatch';
import { shareWithNewPartitions, type Share } from './dispatch/growth';
import type { Driver } from './fleet';
import { authorizePayment } from './payment-gateway';
import { fareFor, travelSeconds, type Tariff } from './pricing';

/** What arrives at a partition of transaction: a request, a forwarded ride, or a driver. */
export type RideInput =
  | { readonly kind: 'request'; readonly event: RideRequestedEvent }
  | { readonly kind: 'forward'; readonly event: RideForwardEvent }
  | { readonly kind: 'hand-over'; readonly event: DriverHandOverEvent };

export interface RideContext {
  /** The partition deciding. */
  readonly partition: number;
  /** The whole fleet by id: who the drivers are and what they drive (not who owns them). */
  readonly fleet: ReadonlyMap<string, Driver>;
  /** Farthest a driver is sent to a pickup. */
  readonly maxPickupKm: number;
  readonly tariff: Tariff;
  /** Simulated time runs faster: a driver is busy for (pickup + trip time) × this scale. */
  readonly busyTimeScale: number;
  readonly policy: DispatchPolicy;
  readonly now: Date;
  /**
   * The partition count of the co-partitioned inputs now; undefined: not known yet. Above the
   * count the partition last dealt for, it shares its drivers with the new partitions first.
   */
  readonly partitions?: number;
}

export type RideOutcome =
  | { kind: 'confirmed'; event: RideConfirmedEvent; hops: number }
  | { kind: 'rejected'; event: RideRejectedEvent; hops: number }
  /** Passed to the partition that owns the driver it should get (ADR 038). */
  | { kind: 'forwarded'; to: number; event: RideForwardEvent }
  /** Already decided here (or, for a request, passed on): nothing to publish, nothing changes. */
  | { kind: 'duplicate' }
  /** A driver handed over to this partition: owned here from now on. */
  | { kind: 'received'; driverId: string }
  /** A hand-over of a driver this fleet does not have (another fleet's configuration). */
  | { kind: 'ignored'; driverId: string };

/** The outcome to publish and the state change to apply with it, once both are committed. */
export interface RideDecision {
  readonly outcome: RideOutcome;
  readonly change?: DispatchChange;
  /**
   * Drivers handed to the partitions a growth added, before this input was decided (growth.ts):
   * published to `dispatch` partition `to` in the same transaction as `change`, which releases them.
   */
  readonly shared?: SharedDrivers;
}

/** The hand-overs of a share, and what the log line says of it. */
export interface SharedDrivers {
  readonly dealtFor: number;
  readonly partitions: number;
  readonly kept: number;
  readonly handOvers: readonly { readonly to: number; readonly event: DriverHandOverEvent }[];
}

const roundKm = (km: number) => Math.round(km * 100) / 100;

/** The ride a request or forward is about, and the envelope fields its outcome carries on. */
const rideOf = (input: Exclude<RideInput, { kind: 'hand-over' }>) =>
  input.kind === 'request'
    ? { ride: input.event.payload, correlationId: input.event.correlationId }
    : { ride: input.event.payload.request, correlationId: input.event.correlationId };

const toDispatch = (input: RideInput): DispatchInput => {
  if (input.kind === 'hand-over') {
    const { driverId, position, busyUntil, rideId } = input.event.payload;
    return {
      kind: 'hand-over',
      handOver: {
        driverId,
        driver: { position, busyUntil: busyUntil ? Date.parse(busyUntil) : 0 },
        ...(rideId !== undefined && { rideId }),
      },
    };
  }
  const { ride } = rideOf(input);
  const dispatched = {
    rideId: ride.rideId,
    pickup: ride.pickup,
    dropoff: ride.dropoff,
    // A request of ride_details 1.0 has no class: every ride was standard then.
    vehicleClass: ride.vehicleClass ?? DEFAULT_VEHICLE_CLASS,
  };
  if (input.kind === 'request') return { kind: 'request', ride: dispatched };
  const { hops, preferredDriverId, excluded } = input.event.payload;
  return { kind: 'forward', forward: { ride: dispatched, hops, preferredDriverId, excluded } };
};

/**
 * Decides one input against the partition's exact state and the view of the others, changing
 * nothing (ADR 038): a ride gets the nearest free driver of its class, own or (forwarded to the
 * owner) another partition's; an own driver is priced and the payment authorized, and the ride
 * confirmed, else rejected. No driver means no charge. The caller publishes the outcome and
 * applies `change` with the commit.
 */
export const processRideInput = (
  input: RideInput,
  state: DispatchState,
  view: FleetView,
  context: RideContext,
): RideDecision => {
  const share =
    context.partitions === undefined
      ? undefined
      : shareWithNewPartitions(state, context.partition, context.partitions);
  if (!share) return decideInput(input, state, view, context);
  const decision = decideInput(input, evolveDispatch(state, share.change), view, context);
  return {
    ...decision,
    // Disjoint: the share only releases drivers and records the count, and the input was
    // decided without the drivers released.
    change: { ...share.change, ...decision.change },
    shared: sharedDrivers(share, context),
  };
};

const sharedDrivers = (share: Share, context: RideContext): SharedDrivers => ({
  dealtFor: share.dealtFor,
  partitions: share.partitions,
  kept: share.kept,
  handOvers: share.handOvers.map(({ to, message: { driverId, driver } }) => ({
    to,
    event: {
      ...newEnvelope(
        'dispatch.hand_over',
        `share-${context.partition}-for-${share.partitions}`,
        context.now,
      ),
      payload: {
        driverId,
        position: driver.position,
        ...(driver.busyUntil > 0 && { busyUntil: new Date(driver.busyUntil).toISOString() }),
        from: context.partition,
      },
    },
  })),
});

const decideInput = (
  input: RideInput,
  state: DispatchState,
  view: FleetView,
  context: RideContext,
): RideDecision => {
  const { now } = context;
  if (input.kind === 'hand-over') {
    const { driverId } = input.event.payload;
    if (!context.fleet.has(driverId)) return { outcome: { kind: 'ignored', driverId } };
  }
  const decision = decideDispatch(toDispatch(input), state, view, {
    partition: context.partition,
    nowMs: now.getTime(),
    maxPickupKm: context.maxPickupKm,
    tariff: context.tariff,
    busyTimeScale: context.busyTimeScale,
    policy: context.policy,
    classOf: (driverId) => context.fleet.get(driverId)?.vehicleClass,
  });
  const { outcome } = decision;
  switch (outcome.kind) {
    case 'received':
      return {
        outcome: { kind: 'received', driverId: decision.change?.received?.driverId ?? '' },
        ...(decision.change && { change: decision.change }),
      };
    case 'duplicate':
      return { outcome };
    case 'forwarded': {
      const { ride, correlationId } = rideOf(input as Exclude<RideInput, { kind: 'hand-over' }>);
      const { hops, preferredDriverId, excluded } = outcome.forward;
      return {
        outcome: {
          kind: 'forwarded',
          to: outcome.to,
          event: {
            ...newEnvelope('dispatch.forward', correlationId, now),
            payload: {
              request: ride,
              hops,
              from: context.partition,
              preferredDriverId,
              excluded: [...excluded],
            },
          },
        },
        ...(decision.change && { change: decision.change }),
      };
    }
    case 'no-driver':
    case 'assigned': {
      const { ride, correlationId } = rideOf(input as Exclude<RideInput, { kind: 'hand-over' }>);
      const decided = { ride: { rideId: ride.rideId, handling: 'decided' as const } };
      const reject = (
        reason: RideRejectedEvent['payload']['reason'],
        detail: string,
      ): RideDecision => ({
        change: decided,
        outcome: {
          kind: 'rejected',
          hops: outcome.hops,
          event: rejection(ride, correlationId, now, reason, detail),
        },
      });
      if (outcome.kind === 'no-driver') {
        const vehicleClass = ride.vehicleClass ?? DEFAULT_VEHICLE_CLASS;
        return reject(
          'no_driver_available',
          vehicleClass === DEFAULT_VEHICLE_CLASS
            ? 'no driver is free near the pickup point'
            : `no ${vehicleClass} driver is free near the pickup point`,
        );
      }
      const driver = context.fleet.get(outcome.assignment.driverId);
      if (!driver) throw new Error(`driver ${outcome.assignment.driverId} is not in the fleet`);
      const fare = fareFor(outcome.assignment.tripKm, context.tariff);
      const payment = authorizePayment(ride.rideId, ride.paymentToken, fare);
      // Declined: the driver stays free, the ride is decided.
      if (payment.status === 'declined') return reject('payment_declined', payment.reason);
      return {
        ...(decision.change && { change: decision.change }),
        outcome: {
          kind: 'confirmed',
          hops: outcome.hops,
          event: confirmation(ride, correlationId, now, driver, outcome.assignment, {
            fare,
            authorizationId: payment.authorizationId,
            tariff: context.tariff,
          }),
        },
      };
    }
    default: {
      const unexpected: never = outcome;
      throw new Error(`unexpected dispatch outcome ${JSON.stringify(unexpected)}`);
    }
  }
};

const rejection = (
  ride: RideRequest,
  correlationId: string,
  now: Date,
  reason: RideRejectedEvent['payload']['reason'],
  detail: string,
): RideRejectedEvent => ({
  ...newEnvelope('ride.rejected', correlationId, now),
  payload: {
    rideId: ride.rideId,
    customerId: ride.customerId,
    customerEmail: ride.customerEmail,
    requestedAt: ride.requestedAt,
    reason,
    detail,
    rejectedAt: now.toISOString(),
  },
});

const confirmation = (
  ride: RideRequest,
  correlationId: string,
  now: Date,
  driver: Driver,
  assignment: Assignment,
  priced: { fare: RideConfirmedEvent['payload']['fare']; authorizationId: string; tariff: Tariff },
): RideConfirmedEvent => {
  const etaSeconds = travelSeconds(assignment.pickupKm, priced.tariff);
  const { paymentToken: _token, ...request } = ride;
  return {
    ...newEnvelope('ride.confirmed', correlationId, now),
    payload: {
      ...request,
      vehicleClass: ride.vehicleClass ?? DEFAULT_VEHICLE_CLASS,
      driver: { id: driver.id, name: driver.name },
      vehicle: driver.vehicle,
      pickupEta: {
        seconds: etaSeconds,
        at: new Date(now.getTime() + etaSeconds * 1000).toISOString(),
      },
      distanceKm: roundKm(assignment.tripKm),
      fare: priced.fare,
      payment: { status: 'authorized', authorizationId: priced.authorizationId },
      confirmedAt: now.toISOString(),
    },
  };
};
