import { createFleet } from './fleet';
import { distanceKm } from './geo';

const center = { lat: 40.7128, lng: -74.006 };

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
