import { distanceKm } from './geo';

const paris = { lat: 48.8566, lng: 2.3522 };
const london = { lat: 51.5074, lng: -0.1278 };

describe('distanceKm', () => {
  it('when measuring Paris to London, then it is about 343.5 km', () => {
    const km = distanceKm(paris, london);

    expect(Math.abs(km - 343.5)).toBeLessThan(1);
  });

  it('when measuring from the equator to the pole, then it is a quarter of the circumference', () => {
    const quarterOfCircumference = (Math.PI * 6371) / 2;

    const km = distanceKm({ lat: 0, lng: 30 }, { lat: 90, lng: 30 });

    expect(Math.abs(km - quarterOfCircumference)).toBeLessThan(1);
  });

  it('when both points are the same, then the distance is zero', () => {
    expect(distanceKm(paris, { ...paris })).toBe(0);
  });

  it('when the points are swapped, then the distance is the same', () => {
    const there = distanceKm(paris, london);

    const back = distanceKm(london, paris);

    expect(back).toBeCloseTo(there, 9);
  });
});
