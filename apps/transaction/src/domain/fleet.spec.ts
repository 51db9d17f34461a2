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

  it('when created, then every partition of six gets drivers of each vehicle class, most of them standard', () => {
    const fleet = createFleet({ ...options, size: 600 });

    for (let partition = 0; partition < 6; partition += 1) {
      const classes = fleet
        .filter((_driver, index) => index % 6 === partition)
        .map((driver) => driver.vehicleClass);
      const count = (wanted: string) => classes.filter((found) => found === wanted).length;
      expect(count('accessible')).toBeGreaterThan(0);
      expect(count('xl')).toBeGreaterThan(count('accessible'));
      expect(count('standard')).toBeGreaterThan(classes.length / 2);
    }
  });
});
