import {
  asWrittenByANewerVersion,
  decode,
  encode,
  exampleDriverHandOver,
  exampleRideForward,
  exampleRideRequested,
  topics,
  validate,
  type Coordinates,
  type RideRequestedEvent,
  type VehicleClass,
} from '@taxi/events';
import {
  evolveDispatch,
  type DispatchState,
  type DriverState,
  type FleetView,
} from './dispatch/dispatch';
import { FORWARDING } from './dispatch/policy';
import type { Driver } from './fleet';
import { distanceKm } from './geo';
import { authorizePayment } from './payment-gateway';
import { defaultTariff, fareFor, travelSeconds } from './pricing';
import {
  processRideInput,
  type RideContext,
  type RideDecision,
  type RideOutcome,
} from './process-ride-request';

const now = new Date('2026-11-21T10:00:00.500Z');
const request = exampleRideRequested();
const { pickup, dropoff } = request.payload;
const otherRideId = '5e0c7a9d-1f3b-4c2a-8e6d-9b0a1c2d3e4f';
const thirdRideId = '7a1d2c3b-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

const driverAt = (
  id: string,
  position: Coordinates,
  vehicleClass: VehicleClass = 'standard',
): Driver => ({
  id,
  name: `Driver ${id}`,
  vehicle: { make: 'Kia', model: 'Niro', color: 'blue', plate: `TX-${id}` },
  vehicleClass,
  position,
});

/** `km` north of the pickup (one degree of latitude is about 111.2 km). */
const northOfPickup = (km: number): Coordinates => ({
  lat: pickup.lat + km / 111.2,
  lng: pickup.lng,
});

const nearDriver = driverAt('drv-near', northOfPickup(1));
const farDriver = driverAt('drv-far', northOfPickup(4));

const driverOf = (outcome: RideOutcome): string | undefined =>
  outcome.kind === 'confirmed' ? outcome.event.payload.driver.id : undefined;

/** A partition that owns `drivers`, all free where they are, having handled no ride. */
const owning = (drivers: readonly Driver[]): DispatchState => ({
  drivers: new Map(
    drivers.map((driver) => [driver.id, { busyUntil: 0, position: driver.position }]),
  ),
  rides: new Map(),
  claims: new Map(),
});

const contextFor = (
  fleet: readonly Driver[],
  overrides: Partial<RideContext> = {},
): RideContext => ({
  partition: 0,
  fleet: new Map(fleet.map((driver) => [driver.id, driver])),
  maxPickupKm: 25,
  tariff: defaultTariff,
  busyTimeScale: 1,
  policy: FORWARDING,
  now,
  ...overrides,
});

const processRideRequest = (
  ride: RideRequestedEvent,
  state: DispatchState,
  context: RideContext,
  view: FleetView = new Map(),
): RideDecision => processRideInput({ kind: 'request', event: ride }, state, view, context);

/**
 * Partition 0 owning `drivers`, deciding requests one after the other, each decision's change
 * applied before the next (as the changes of one transaction are): `state` is where it stands.
 */
const shardWith = (drivers: readonly Driver[], overrides: Partial<RideContext> = {}) => {
  const shard = {
    state: owning(drivers),
    clock: now,
    decide(ride: typeof request): RideOutcome {
      const decision = processRideRequest(
        ride,
        shard.state,
        contextFor(drivers, { ...overrides, now: shard.clock }),
      );
      if (decision.change) shard.state = evolveDispatch(shard.state, decision.change);
      return decision.outcome;
    },
  };
  return shard;
};

describe('processRideInput, a request of partition 0 with its own drivers', () => {
  it('when a driver is near and the card is good, then the ride is confirmed with the nearest driver, ETA and fare', () => {
    const shard = shardWith([farDriver, nearDriver]);

    const decision = shard.decide(request);

    if (decision.kind !== 'confirmed') throw new Error(`expected confirmed, got ${decision.kind}`);
    const ride = decision.event.payload;
    const etaSeconds = travelSeconds(distanceKm(nearDriver.position, pickup), defaultTariff);
    const tripKm = distanceKm(pickup, dropoff);
    const fare = fareFor(tripKm, defaultTariff);
    const authorization = authorizePayment(request.payload.rideId, 'tok_visa', fare);
    expect(ride.driver).toEqual({ id: nearDriver.id, name: nearDriver.name });
    expect(ride.vehicle).toEqual(nearDriver.vehicle);
    expect(ride.pickupEta).toEqual({
      seconds: etaSeconds,
      at: new Date(now.getTime() + etaSeconds * 1000).toISOString(),
    });
    expect(ride.fare).toEqual(fare);
    expect(ride.distanceKm).toBeCloseTo(tripKm, 2);
    expect(ride.payment).toEqual(authorization);
    expect(ride).toMatchObject({
      rideId: request.payload.rideId,
      customerId: request.payload.customerId,
      customerEmail: request.payload.customerEmail,
      confirmedAt: now.toISOString(),
    });
    expect(decision.event.correlationId).toBe(request.correlationId);
    expect(decision.event.occurredAt).toBe(now.toISOString());
    expect(decision.event.eventId).not.toBe(request.eventId);
    expect(ride).not.toHaveProperty('paymentToken');
    expect(JSON.stringify(decision.event)).not.toContain(request.payload.paymentToken);
    expect(validate(topics.rideConfirmed.schema, decision.event)).toMatchObject({ ok: true });
  });

  it('when the payment is declined, then the ride is rejected and the driver stays free', () => {
    const shard = shardWith([nearDriver]);
    const declined = exampleRideRequested({ paymentToken: 'tok_insufficientFunds' });

    const decision = shard.decide(declined);
    const next = shard.decide(exampleRideRequested({ rideId: otherRideId }));

    if (decision.kind !== 'rejected') throw new Error(`expected rejected, got ${decision.kind}`);
    expect(decision.event.payload).toMatchObject({
      rideId: declined.payload.rideId,
      reason: 'payment_declined',
      detail: 'insufficient funds',
      rejectedAt: now.toISOString(),
    });
    expect(decision.event.correlationId).toBe(declined.correlationId);
    expect(validate(topics.rideRejected.schema, decision.event)).toMatchObject({ ok: true });
    expect(driverOf(next)).toBe(nearDriver.id);
  });

  describe('vehicle classes', () => {
    const xlDriver = driverAt('drv-xl', northOfPickup(3), 'xl');

    it('when an XL car is asked for, then the nearest XL driver gets the ride, not a nearer standard one, and ride.confirmed names the class', () => {
      const decision = shardWith([nearDriver, xlDriver]).decide(
        exampleRideRequested({ vehicleClass: 'xl' }),
      );

      expect(driverOf(decision)).toBe(xlDriver.id);
      if (decision.kind !== 'confirmed') throw new Error(decision.kind);
      expect(decision.event.payload.vehicleClass).toBe('xl');
    });

    it('when a request of ride_details 1.0 has no class, then it is a standard ride, and ride.confirmed says so', () => {
      const { vehicleClass: _none, ...payload } = request.payload;

      const decision = shardWith([xlDriver, farDriver]).decide({ ...request, payload });

      expect(driverOf(decision)).toBe(farDriver.id);
      if (decision.kind !== 'confirmed') throw new Error(decision.kind);
      expect(decision.event.payload.vehicleClass).toBe('standard');
    });

    it('when no driver of the class is free, then the ride is rejected, naming the class', () => {
      const decision = shardWith([nearDriver, xlDriver]).decide(
        exampleRideRequested({ vehicleClass: 'accessible' }),
      );

      expect(decision).toMatchObject({
        kind: 'rejected',
        event: {
          payload: {
            reason: 'no_driver_available',
            detail: 'no accessible driver is free near the pickup point',
          },
        },
      });
    });
  });

  it('when the pickup is far from every driver, then the ride is rejected with no_driver_available', () => {
    const shard = shardWith([nearDriver, farDriver]);
    const london = { lat: 51.5074, lng: -0.1278 };
    const farAway = exampleRideRequested({ pickup: london, dropoff: london });

    const decision = shard.decide(farAway);

    if (decision.kind !== 'rejected') throw new Error(`expected rejected, got ${decision.kind}`);
    expect(decision.event.payload.rideId).toBe(farAway.payload.rideId);
    expect(decision.event.payload).toMatchObject({ reason: 'no_driver_available' });
    expect(validate(topics.rideRejected.schema, decision.event)).toMatchObject({ ok: true });
  });

  it('when the only driver was just given a ride, then the next request at the same time finds no driver until the ride is over', () => {
    const shard = shardWith([nearDriver], { busyTimeScale: 1 });

    const first = shard.decide(request);
    const sameTime = shard.decide(exampleRideRequested({ rideId: otherRideId }));
    if (first.kind !== 'confirmed') throw new Error(`expected confirmed, got ${first.kind}`);
    const rideSeconds =
      first.event.payload.pickupEta.seconds +
      travelSeconds(distanceKm(pickup, dropoff), defaultTariff);
    shard.clock = new Date(now.getTime() + rideSeconds * 1000);
    const afterRide = shard.decide(exampleRideRequested({ rideId: thirdRideId }));

    if (sameTime.kind !== 'rejected') throw new Error(`expected rejected, got ${sameTime.kind}`);
    expect(sameTime.event.payload).toMatchObject({ reason: 'no_driver_available' });
    expect(driverOf(afterRide)).toBe(nearDriver.id);
  });

  it('when the busy time scale is 0, then the driver is free again for the next request at the same time', () => {
    const shard = shardWith([nearDriver], { busyTimeScale: 0 });

    const first = shard.decide(request);
    const second = shard.decide(exampleRideRequested({ rideId: otherRideId }));

    expect(driverOf(first)).toBe(nearDriver.id);
    expect(driverOf(second)).toBe(nearDriver.id);
  });

  it('when a ride is decided, then the state it was decided against is unchanged and the change names the driver, until when and where', () => {
    const before = owning([nearDriver]);
    const snapshot = structuredClone(before);

    const decision = processRideRequest(request, before, contextFor([nearDriver]));

    if (decision.outcome.kind !== 'confirmed') throw new Error('expected confirmed');
    const rideSeconds =
      decision.outcome.event.payload.pickupEta.seconds +
      travelSeconds(distanceKm(pickup, dropoff), defaultTariff);
    expect(before).toEqual(snapshot);
    expect(decision.change).toEqual({
      ride: { rideId: request.payload.rideId, handling: 'decided' },
      assigned: {
        driverId: nearDriver.id,
        busyUntil: now.getTime() + rideSeconds * 1000,
        position: dropoff,
      },
    });
  });

  it('when the change of a decision is not applied (its transaction aborted), then the driver is offered again', () => {
    const state = owning([nearDriver]);
    const context = contextFor([nearDriver]);

    const aborted = processRideRequest(request, state, context);
    const retried = processRideRequest(request, state, context);

    expect(driverOf(aborted.outcome)).toBe(nearDriver.id);
    expect(driverOf(retried.outcome)).toBe(nearDriver.id);
  });

  it('when the same ride is requested twice, then the second is a duplicate that changes nothing', () => {
    const shard = shardWith([nearDriver, farDriver], { busyTimeScale: 0 });
    shard.decide(request);
    const afterFirst = shard.state;

    const decision = processRideRequest(
      request,
      afterFirst,
      contextFor([nearDriver, farDriver], { busyTimeScale: 0 }),
    );

    expect(decision).toEqual({ outcome: { kind: 'duplicate' } });
  });

  describe('a request from a newer rides, with fields this version does not know (ADR 040)', () => {
    const newer = (overrides: Parameters<typeof exampleRideRequested>[0] = {}) => {
      const event = asWrittenByANewerVersion(exampleRideRequested(overrides));
      const decoded = decode(topics.rideRequested, JSON.stringify(event));
      if (!decoded.ok) throw new Error(decoded.error.reason);
      return decoded.value;
    };
    const published = (result: ReturnType<typeof encode>) => {
      if (!result.ok) throw new Error(result.error.reason);
      return JSON.parse(result.value.value.toString()) as Record<string, unknown>;
    };

    it('when it is confirmed, then ride.confirmed carries the unknown fields of the request payload where they were, and not those of its envelope', () => {
      const decision = shardWith([nearDriver]).decide(newer());

      if (decision.kind !== 'confirmed')
        throw new Error(`expected confirmed, got ${decision.kind}`);
      const event = published(encode(topics.rideConfirmed, decision.event));
      expect(event['payload']).toMatchObject({
        seatPreference: 'front',
        pickup: { ...pickup, floor: 2 },
      });
      expect(event).not.toHaveProperty('traceLevel');
    });

    it('when it is rejected, then ride.rejected, made of named fields, carries none of them', () => {
      const decision = shardWith([nearDriver]).decide(
        newer({ paymentToken: 'tok_insufficientFunds' }),
      );

      if (decision.kind !== 'rejected') throw new Error(`expected rejected, got ${decision.kind}`);
      const event = published(encode(topics.rideRejected, decision.event));
      expect(Object.keys(event['payload'] as object).sort()).toEqual(
        Object.keys(decision.event.payload).sort(),
      );
      expect(event).not.toHaveProperty('traceLevel');
    });
  });
});

describe('processRideInput across partitions (ADR 038)', () => {
  const fleet = [nearDriver, farDriver];
  const free = (driver: Driver): DriverState => ({ busyUntil: 0, position: driver.position });
  /** Partition 0 owns the far driver; partition 3 owns the near one, as its view shows. */
  const view: FleetView = new Map([[3, new Map([[nearDriver.id, free(nearDriver)]])]]);

  it('when the nearest free driver is another partition’s, then the ride is forwarded to that partition with its request, naming the driver, and nothing is decided here', () => {
    const decision = processRideRequest(request, owning([farDriver]), contextFor(fleet), view);

    expect(decision.outcome).toMatchObject({
      kind: 'forwarded',
      to: 3,
      event: {
        type: 'dispatch.forward',
        correlationId: request.correlationId,
        payload: { request: request.payload, hops: 1, from: 0, preferredDriverId: nearDriver.id },
      },
    });
    expect(decision.change).toMatchObject({
      ride: { rideId: request.payload.rideId, handling: 'forwarded' },
      claimed: { driverId: nearDriver.id },
    });
    if (decision.outcome.kind !== 'forwarded') throw new Error(decision.outcome.kind);
    expect(validate(topics.dispatch.schema, decision.outcome.event)).toMatchObject({ ok: true });
  });

  it('when a forward arrives at the owner of its free driver, then the ride is confirmed with that driver, carrying the request’s correlation id', () => {
    const forward = exampleRideForward({
      request: request.payload,
      preferredDriverId: nearDriver.id,
    });

    const decision = processRideInput(
      { kind: 'forward', event: forward },
      owning([nearDriver]),
      new Map(),
      contextFor(fleet, { partition: 3 }),
    );

    expect(decision.outcome).toMatchObject({ kind: 'confirmed', hops: 1 });
    expect(driverOf(decision.outcome)).toBe(nearDriver.id);
    if (decision.outcome.kind !== 'confirmed') throw new Error(decision.outcome.kind);
    expect(decision.outcome.event.correlationId).toBe(forward.correlationId);
    expect(decision.change?.assigned?.driverId).toBe(nearDriver.id);
  });

  it('when a forward arrives and its driver was taken meanwhile, and no other is free anywhere, then the ride is rejected here, once', () => {
    const taken: DispatchState = {
      ...owning([nearDriver]),
      drivers: new Map([[nearDriver.id, { busyUntil: now.getTime() + 60_000, position: pickup }]]),
    };
    const forward = exampleRideForward({
      request: request.payload,
      preferredDriverId: nearDriver.id,
    });

    const decision = processRideInput(
      { kind: 'forward', event: forward },
      taken,
      new Map(),
      contextFor(fleet, { partition: 3 }),
    );

    expect(decision.outcome).toMatchObject({
      kind: 'rejected',
      event: { payload: { reason: 'no_driver_available' } },
    });
  });

  it('when a forward arrives for a ride already decided here, then it is a duplicate that changes nothing', () => {
    const decided: DispatchState = {
      ...owning([nearDriver]),
      rides: new Map([[request.payload.rideId, 'decided']]),
    };
    const forward = exampleRideForward({ request: request.payload });

    expect(
      processRideInput({ kind: 'forward', event: forward }, decided, new Map(), contextFor(fleet)),
    ).toEqual({ outcome: { kind: 'duplicate' } });
  });

  it('when a driver of the fleet is handed over, then it is owned here from now on, at the position and busy time sent', () => {
    const handOver = exampleDriverHandOver({ driverId: nearDriver.id });

    const decision = processRideInput(
      { kind: 'hand-over', event: handOver },
      owning([]),
      new Map(),
      contextFor(fleet),
    );

    expect(decision.outcome).toEqual({ kind: 'received', driverId: nearDriver.id });
    expect(decision.change?.received).toEqual({
      driverId: nearDriver.id,
      position: handOver.payload.position,
      busyUntil: Date.parse(handOver.payload.busyUntil ?? ''),
    });
  });

  it('when a driver this fleet does not have is handed over, then it is ignored and nothing changes', () => {
    const decision = processRideInput(
      { kind: 'hand-over', event: exampleDriverHandOver({ driverId: 'drv-unknown' }) },
      owning([]),
      new Map(),
      contextFor(fleet),
    );

    expect(decision).toEqual({ outcome: { kind: 'ignored', driverId: 'drv-unknown' } });
  });
});
