import { defaultTariff, fareFor, travelSeconds, type Tariff } from './pricing';

const tariff: Tariff = {
  currency: 'EUR',
  baseFare: 250,
  perKm: 120,
  perMinute: 30,
  minimumFare: 700,
  averageSpeedKmh: 40,
};

describe('travelSeconds', () => {
  it('when the distance is driven at the average speed, then it takes distance / speed hours', () => {
    const seconds = travelSeconds(20, tariff);

    expect(seconds).toBe((20 / 40) * 3600);
  });

  it('when the time is a fraction of a second, then it is rounded up to the next whole second', () => {
    const km = 0.001; // 0.09 s at 40 km/h

    const seconds = travelSeconds(km, tariff);

    expect(seconds).toBe(1);
  });
});

describe('fareFor', () => {
  it('when the trip is long enough, then the fare is base + distance + travel minutes', () => {
    const km = 12;
    const minutes = (km / tariff.averageSpeedKmh) * 60;

    const fare = fareFor(km, tariff);

    expect(fare).toEqual({
      amount: tariff.baseFare + km * tariff.perKm + minutes * tariff.perMinute,
      currency: 'EUR',
    });
  });

  it('when the formula gives less than the minimum fare, then the minimum fare is charged', () => {
    const km = 0.5;
    const formula =
      tariff.baseFare + km * tariff.perKm + (travelSeconds(km, tariff) / 60) * tariff.perMinute;

    const fare = fareFor(km, tariff);

    expect(formula).toBeLessThan(tariff.minimumFare);
    expect(fare.amount).toBe(tariff.minimumFare);
  });

  it('when the formula gives fractional cents, then the fare is rounded to whole cents', () => {
    const km = 7.777;
    const formula =
      defaultTariff.baseFare +
      km * defaultTariff.perKm +
      (travelSeconds(km, defaultTariff) / 60) * defaultTariff.perMinute;

    const fare = fareFor(km, defaultTariff);

    expect(Number.isInteger(formula)).toBe(false);
    expect(Number.isInteger(fare.amount)).toBe(true);
    expect(Math.abs(fare.amount - formula)).toBeLessThanOrEqual(0.5);
    expect(fare.currency).toBe(defaultTariff.currency);
  });

  it('when the trip is longer, then the fare is never lower', () => {
    const distances = [0, 1, 2.5, 5, 10, 40];

    const amounts = distances.map((km) => fareFor(km, defaultTariff).amount);

    expect(amounts).toEqual([...amounts].sort((a, b) => a - b));
  });
});
