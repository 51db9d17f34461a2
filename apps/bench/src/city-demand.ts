import type { Coordinates } from '@taxi/events';

// BENCH_CITY_RATE: Kafka-side rides as the dispatch-quality simulation's demand (ADR 038) rather
// than one fixed trip: pickups and drop-offs spread over the fleet's area, at a steady rate, with
// transaction's drivers busy for their trips. With the fixed trip and drivers never busy (the
// harness's default, for throughput), every driver ends up at the same drop-off, every partition
// finds one of its own as near as any other, and hardly a ride is forwarded: the hop time would go
// unmeasured.

/** Transaction's default fleet area (FLEET_CENTER_LAT/LNG, FLEET_RADIUS_KM). */
const CENTER: Coordinates = { lat: 40.7306, lng: -73.9352 };
const RADIUS_KM = 15;
const KM_PER_DEGREE_LAT = 111.32;

/** Transaction's own default (the harness sets 0): busy for the trip time × 0.01. */
export const CITY_TRANSACTION_ENV = { DRIVER_BUSY_TIME_SCALE: '0.01' };

/** A number in [0, 1) from ride `n` and a stream, the same every run (a hash, not Math.random). */
const unit = (n: number, stream: number) => {
  let t = Math.imul(n + 1, 0x9e3779b1) ^ Math.imul(stream + 1, 0x85ebca77);
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const inDisc = (n: number, stream: number): Coordinates => {
  const km = RADIUS_KM * Math.sqrt(unit(n, stream));
  const angle = 2 * Math.PI * unit(n, stream + 1);
  return {
    lat: CENTER.lat + (km * Math.sin(angle)) / KM_PER_DEGREE_LAT,
    lng:
      CENTER.lng +
      (km * Math.cos(angle)) / (KM_PER_DEGREE_LAT * Math.cos((CENTER.lat * Math.PI) / 180)),
  };
};

/** Ride `n`'s pickup and drop-off, uniform over the fleet's area. */
export const cityTrip = (n: number) => ({ pickup: inDisc(n, 0), dropoff: inDisc(n, 2) });

/** How many of the rides are due `elapsedMs` into a run at `perSecond`. */
export const ridesDue = (elapsedMs: number, perSecond: number, rides: number) =>
  Math.min(rides, Math.floor((elapsedMs * perSecond) / 1000) + 1);
