import type { Money } from '@taxi/events';

export interface Tariff {
  readonly currency: string;
  /** All amounts in minor units (cents). */
  readonly baseFare: number;
  readonly perKm: number;
  readonly perMinute: number;
  readonly minimumFare: number;
  /** Average city speed used for trip time and pickup ETA. */
  readonly averageSpeedKmh: number;
}

export const defaultTariff: Tariff = {
  currency: 'USD',
  baseFare: 300,
  perKm: 175,
  perMinute: 35,
  minimumFare: 800,
  averageSpeedKmh: 30,
};

/** Seconds to drive a distance at the tariff's average speed, rounded up. */
export const travelSeconds = (km: number, tariff: Tariff): number =>
  Math.ceil((km / tariff.averageSpeedKmh) * 3600);

/** Base + distance + time, never below the minimum; whole cents. */
export const fareFor = (tripKm: number, tariff: Tariff): Money => {
  const minutes = travelSeconds(tripKm, tariff) / 60;
  const amount = Math.round(tariff.baseFare + tripKm * tariff.perKm + minutes * tariff.perMinute);
  return { amount: Math.max(tariff.minimumFare, amount), currency: tariff.currency };
};
