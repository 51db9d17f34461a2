import { exampleRideRequested, topics, validate, type Coordinates } from '@taxi/events';
import { Dispatcher, type Driver } from './fleet';
import { distanceKm } from './geo';
import { authorizePayment } from './payment-gateway';
import { defaultTariff, fareFor, travelSeconds } from './pricing';
import {
  processRideRequest,
  type ProcessRideDeps,
  type RideDecision,
} from './process-ride-request';

const now = new Date('2026-11-21T10:00:00.500Z');
const request = exampleRideRequested();
const { pickup, dropoff } = request.payload;
const otherRideId = '5e0c7a9d-1f3b-4c2a-8e6d-9b0a1c2d3e4f';

const driverAt = (id: string, position: Coordinates): Driver => ({
  id,
  name: `Driver ${id}`,
  vehicle: { make: 'Kia', model: 'Niro', color: 'blue', plate: `TX-${id}` },
  position,
});

/** `km` north of the pickup (one degree of latitude is about 111.2 km). */
const northOfPickup = (km: number): Coordinates => ({
  lat: pickup.lat + km / 111.2,
  lng: pickup.lng,
});

const nearDriver = driverAt('drv-near', northOfPickup(1));
const farDriver = driverAt('drv-far', northOfPickup(4));

const driverOf = (decision: RideDecision): string | undefined =>
  decision.kind === 'confirmed' ? decision.event.payload.driver.id : undefined;

const depsWith = (
  drivers: readonly Driver[],
  overrides: Partial<ProcessRideDeps> = {},
): ProcessRideDeps => ({
  dispatcher: new Dispatcher(drivers, 25),
  tariff: defaultTariff,
  busyTimeScale: 1,
  now: () => now,
  ...overrides,
});

describe('processRideRequest', () => {
  it('when a driver is near and the card is good, then the ride is confirmed with the nearest driver, ETA and fare', () => {
    const deps = depsWith([farDriver, nearDriver]);

    const decision = processRideRequest(request, deps);

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
    const deps = depsWith([nearDriver]);
    const declined = exampleRideRequested({ paymentToken: 'tok_insufficientFunds' });

    const decision = processRideRequest(declined, deps);
    const next = processRideRequest(exampleRideRequested({ rideId: otherRideId }), deps);

    expect(decision.kind).toBe('rejected');
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

  it('when the pickup is far from every driver, then the ride is rejected with no_driver_available', () => {
    const deps = depsWith([nearDriver, farDriver]);
    const london = { lat: 51.5074, lng: -0.1278 };
    const farAway = exampleRideRequested({ pickup: london, dropoff: london });

    const decision = processRideRequest(farAway, deps);

    expect(decision.kind).toBe('rejected');
    expect(decision.event.payload.rideId).toBe(farAway.payload.rideId);
    expect(decision.event.payload).toMatchObject({ reason: 'no_driver_available' });
    expect(validate(topics.rideRejected.schema, decision.event)).toMatchObject({ ok: true });
  });

  it('when the only driver was just given a ride, then the next request at the same time finds no driver until the ride is over', () => {
    let clock = now;
    const deps = depsWith([nearDriver], { busyTimeScale: 1, now: () => clock });

    const first = processRideRequest(request, deps);
    const sameTime = processRideRequest(exampleRideRequested({ rideId: otherRideId }), deps);
    if (first.kind !== 'confirmed') throw new Error(`expected confirmed, got ${first.kind}`);
    const rideSeconds =
      first.event.payload.pickupEta.seconds +
      travelSeconds(distanceKm(pickup, dropoff), defaultTariff);
    clock = new Date(now.getTime() + rideSeconds * 1000);
    const afterRide = processRideRequest(exampleRideRequested({ rideId: otherRideId }), deps);

    expect(sameTime.kind).toBe('rejected');
    expect(sameTime.event.payload).toMatchObject({ reason: 'no_driver_available' });
    expect(driverOf(afterRide)).toBe(nearDriver.id);
  });

  it('when the busy time scale is 0, then the driver is free again for the next request at the same time', () => {
    const deps = depsWith([nearDriver], { busyTimeScale: 0 });

    const first = processRideRequest(request, deps);
    const second = processRideRequest(exampleRideRequested({ rideId: otherRideId }), deps);

    expect(driverOf(first)).toBe(nearDriver.id);
    expect(driverOf(second)).toBe(nearDriver.id);
  });
});
