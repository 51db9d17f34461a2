import { cityTrip, ridesDue } from './city-demand';

const kmBetween = (a: { lat: number; lng: number }, b: { lat: number; lng: number }) =>
  Math.hypot(
    (a.lat - b.lat) * 111.32,
    (a.lng - b.lng) * 111.32 * Math.cos((a.lat * Math.PI) / 180),
  );
const CENTER = { lat: 40.7306, lng: -73.9352 };

describe('city demand for the Kafka-side mode', () => {
  it('when 1,000 trips are made, then every pickup and drop-off lies in the fleet’s 15 km and they spread over it', () => {
    const trips = Array.from({ length: 1_000 }, (_, n) => cityTrip(n));
    const distances = trips.flatMap(({ pickup, dropoff }) => [
      kmBetween(pickup, CENTER),
      kmBetween(dropoff, CENTER),
    ]);

    expect(Math.max(...distances)).toBeLessThanOrEqual(15.01);
    // Uniform in a disc: half of the points within 15/√2 ≈ 10.6 km of the centre.
    const inner = distances.filter((km) => km < 15 / Math.SQRT2).length / distances.length;
    expect(inner).toBeGreaterThan(0.45);
    expect(inner).toBeLessThan(0.55);
    expect(new Set(trips.map(({ pickup }) => pickup.lat)).size).toBe(1_000);
  });

  it('when the same ride is asked for twice, then it is the same trip: runs compare', () => {
    expect(cityTrip(41)).toEqual(cityTrip(41));
  });

  it('when a steady rate runs, then the rides due follow the clock, from the first at once to all of them', () => {
    expect(ridesDue(0, 6, 300)).toBe(1);
    expect(ridesDue(1_000, 6, 300)).toBe(7);
    expect(ridesDue(10_000, 6, 300)).toBe(61);
    expect(ridesDue(3_600_000, 6, 300)).toBe(300);
  });
});
