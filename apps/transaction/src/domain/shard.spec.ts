import type { Coordinates, VehicleClass } from '@taxi/events';
import { createFleet, type Driver } from './fleet';
import { distanceKm } from './geo';
import {
  driversOfPartition,
  evolveShard,
  initialShard,
  nearestFree,
  wasDecided,
  type ShardState,
} from './shard';

const center = { lat: 40.7128, lng: -74.006 };

const driverAt = (
  id: string,
  position: Coordinates,
  vehicleClass: VehicleClass = 'standard',
): Driver => ({
  id,
  name: `Driver ${id}`,
  vehicle: { make: 'Toyota', model: 'Prius', color: 'white', plate: `TX-${id}` },
  vehicleClass,
  position,
});

/** A point `km` north of the centre (one degree of latitude is about 111.2 km). */
const north = (km: number): Coordinates => ({ lat: center.lat + km / 111.2, lng: center.lng });

describe('driversOfPartition', () => {
  const fleet = createFleet({ size: 200, seed: 42, center, radiusKm: 15 });

  it('when the fleet is dealt over the partitions, then every driver has exactly one partition and shards differ by one at most', () => {
    const shards = [0, 1, 2, 3, 4, 5].map((partition) => driversOfPartition(fleet, partition, 6));

    const owners = new Map<string, number>();
    shards.forEach((drivers) =>
      drivers.forEach((driver) => owners.set(driver.id, (owners.get(driver.id) ?? 0) + 1)),
    );
    expect(owners.size).toBe(200);
    expect([...owners.values()].every((count) => count === 1)).toBe(true);
    expect(shards.map((drivers) => drivers.length)).toEqual([34, 34, 33, 33, 33, 33]);
  });

  it('when the fleet is dealt twice, then each driver lands in the same partition (any instance agrees)', () => {
    const again = createFleet({ size: 200, seed: 42, center, radiusKm: 15 });

    expect(driversOfPartition(again, 4, 6)).toEqual(driversOfPartition(fleet, 4, 6));
  });
});

describe('nearestFree', () => {
  const near = driverAt('near', north(1));
  const middle = driverAt('middle', north(3));
  const far = driverAt('far', north(8));
  const pickup = center;
  const busy = (state: ShardState, driverId: string, until: number, position: Coordinates) =>
    evolveShard(state, {
      rideId: `ride-${driverId}`,
      assigned: { driverId, busyUntil: until, position },
    });

  it('when several drivers are free, then the nearest one is picked with its distance', () => {
    const drivers = [far, near, middle];

    const match = nearestFree(drivers, initialShard(drivers), pickup, 0, 25, 'standard');

    const distances = drivers.map((driver) => distanceKm(driver.position, pickup));
    expect(match?.driver.id).toBe('near');
    expect(match?.km).toBe(Math.min(...distances));
  });

  it('when the nearest driver is busy, then the next nearest is picked until their time has passed', () => {
    const drivers = [near, middle, far];
    const state = busy(initialShard(drivers), 'near', 10_000, near.position);

    const whileBusy = nearestFree(drivers, state, pickup, 9_999, 25, 'standard');
    const afterwards = nearestFree(drivers, state, pickup, 10_000, 25, 'standard');

    expect(whileBusy?.driver.id).toBe('middle');
    expect(afterwards?.driver.id).toBe('near');
  });

  it('when the nearest drivers are of another class, then the nearest of the class asked for is picked, and none when the shard has none', () => {
    const drivers = [driverAt('near-xl', north(1), 'xl'), middle, far];

    const standard = nearestFree(drivers, initialShard(drivers), pickup, 0, 25, 'standard');
    const xl = nearestFree(drivers, initialShard(drivers), pickup, 0, 25, 'xl');
    const accessible = nearestFree(drivers, initialShard(drivers), pickup, 0, 25, 'accessible');

    expect(standard?.driver.id).toBe('middle');
    expect(xl?.driver.id).toBe('near-xl');
    expect(accessible).toBeUndefined();
  });

  it('when no driver is within the maximum pickup distance, then none is picked', () => {
    const drivers = [middle, far];

    const match = nearestFree(drivers, initialShard(drivers), pickup, 0, 2, 'standard');

    expect(distanceKm(middle.position, pickup)).toBeGreaterThan(2);
    expect(match).toBeUndefined();
  });

  it('when a driver is just within the maximum pickup distance, then they are picked', () => {
    const match = nearestFree(
      [middle],
      initialShard([middle]),
      pickup,
      0,
      distanceKm(middle.position, pickup),
      'standard',
    );

    expect(match?.driver.id).toBe('middle');
  });

  it('when a driver was given a ride, then afterwards they wait at the drop-off', () => {
    const drivers = [near, middle];
    const dropoff = north(20);
    const state = busy(initialShard(drivers), 'near', 5_000, dropoff);

    const atOldPlace = nearestFree(drivers, state, near.position, 5_000, 25, 'standard');
    const atDropoff = nearestFree(drivers, state, dropoff, 5_000, 25, 'standard');

    expect(atOldPlace?.driver.id).toBe('middle');
    expect(atDropoff?.driver.id).toBe('near');
    expect(atDropoff?.km).toBe(0);
  });
});

describe('evolveShard', () => {
  const drivers = [driverAt('a', north(1))];

  it('when a change is applied, then a new state is returned and the old one is untouched', () => {
    const before = initialShard(drivers);

    const after = evolveShard(before, {
      rideId: 'r1',
      assigned: { driverId: 'a', busyUntil: 9, position: north(2) },
    });

    expect(before.drivers.get('a')).toEqual({ busyUntil: 0, position: north(1) });
    expect([...before.decidedRides]).toEqual([]);
    expect(after.drivers.get('a')).toEqual({ busyUntil: 9, position: north(2) });
    expect(wasDecided(after, 'r1')).toBe(true);
  });

  it('when more rides than the guard keeps were decided, then the oldest are forgotten first', () => {
    const state = ['a', 'b', 'c', 'd'].reduce(
      (shard, rideId) => evolveShard(shard, { rideId }, 3),
      initialShard(drivers),
    );

    expect([...state.decidedRides]).toEqual(['b', 'c', 'd']);
    expect(['a', 'b', 'c', 'd'].map((rideId) => wasDecided(state, rideId))).toEqual([
      false,
      true,
      true,
      true,
    ]);
  });
});
