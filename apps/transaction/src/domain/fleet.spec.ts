import type { Coordinates } from '@taxi/events';
import { createFleet, Dispatcher, type Driver } from './fleet';
import { distanceKm } from './geo';

const center = { lat: 40.7128, lng: -74.006 };

const driverAt = (id: string, position: Coordinates): Driver => ({
  id,
  name: `Driver ${id}`,
  vehicle: { make: 'Toyota', model: 'Prius', color: 'white', plate: `TX-${id}` },
  position,
});

/** A point `km` north of the centre (one degree of latitude is about 111.2 km). */
const north = (km: number): Coordinates => ({ lat: center.lat + km / 111.2, lng: center.lng });

describe('createFleet', () => {
  const options = { size: 50, seed: 7, center, radiusKm: 5 };

  it('when created twice with the same seed, then the fleets are identical', () => {
    const first = createFleet(options);

    const second = createFleet(options);

    expect(second).toEqual(first);
  });

  it('when created with another seed, then the fleet is different', () => {
    const first = createFleet(options);

    const other = createFleet({ ...options, seed: 8 });

    expect(other).not.toEqual(first);
  });

  it('when created, then it has the requested size, unique ids, and every driver within the radius', () => {
    const fleet = createFleet({ ...options, size: 500 });

    expect(fleet).toHaveLength(500);
    expect(new Set(fleet.map((driver) => driver.id)).size).toBe(500);
    for (const driver of fleet) {
      // The fleet is laid out on a flat projection; allow 0.5% for the earth's curvature.
      expect(distanceKm(center, driver.position)).toBeLessThanOrEqual(options.radiusKm * 1.005);
    }
  });
});

describe('Dispatcher', () => {
  const near = driverAt('near', north(1));
  const middle = driverAt('middle', north(3));
  const far = driverAt('far', north(8));
  const pickup = center;

  it('when several drivers are free, then the nearest one is picked with its distance', () => {
    const dispatcher = new Dispatcher([far, near, middle], 25);

    const match = dispatcher.nearestAvailable(pickup, 0);

    const distances = [far, near, middle].map((driver) => distanceKm(driver.position, pickup));
    expect(match?.driver.id).toBe('near');
    expect(match?.km).toBe(Math.min(...distances));
  });

  it('when the nearest driver is busy, then the next nearest is picked until their time has passed', () => {
    const dispatcher = new Dispatcher([near, middle, far], 25);
    dispatcher.assign('near', 10_000, near.position);

    const whileBusy = dispatcher.nearestAvailable(pickup, 9_999);
    const afterwards = dispatcher.nearestAvailable(pickup, 10_000);

    expect(whileBusy?.driver.id).toBe('middle');
    expect(afterwards?.driver.id).toBe('near');
  });

  it('when no driver is within the maximum pickup distance, then none is picked', () => {
    const maxPickupKm = 2;
    const dispatcher = new Dispatcher([middle, far], maxPickupKm);

    const match = dispatcher.nearestAvailable(pickup, 0);

    expect(distanceKm(middle.position, pickup)).toBeGreaterThan(maxPickupKm);
    expect(match).toBeUndefined();
  });

  it('when a driver is just within the maximum pickup distance, then they are picked', () => {
    const dispatcher = new Dispatcher([middle], distanceKm(middle.position, pickup));

    const match = dispatcher.nearestAvailable(pickup, 0);

    expect(match?.driver.id).toBe('middle');
  });

  it('when a driver is assigned a ride, then afterwards they wait at the drop-off', () => {
    const dispatcher = new Dispatcher([near, middle], 25);
    const dropoff = north(20);
    dispatcher.assign('near', 5_000, dropoff);

    const atOldPlace = dispatcher.nearestAvailable(near.position, 5_000);
    const atDropoff = dispatcher.nearestAvailable(dropoff, 5_000);

    expect(atOldPlace?.driver.id).toBe('middle');
    expect(atDropoff?.driver.id).toBe('near');
    expect(atDropoff?.km).toBe(0);
  });
});
