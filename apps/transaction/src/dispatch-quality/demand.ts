import type { Coordinates } from '@taxi/events';
import { seededRandom } from '../domain/fleet';
import { distanceKm } from '../domain/geo';
import { travelSeconds, type Tariff } from '../domain/pricing';

/** A ride request of the simulation: when it reaches Kafka, and where from and to. */
export interface SimRequest {
  readonly rideId: string;
  readonly atMs: number;
  readonly pickup: Coordinates;
  readonly dropoff: Coordinates;
}

/** Pickups from a small area: an evening rush out of one business district. */
export interface HotSpot {
  readonly center: Coordinates;
  /** Standard deviation of the pickups around the centre (a normal spread in each axis). */
  readonly sigmaKm: number;
  /** Share of all pickups from the hot spot; the rest are spread over the whole area. */
  readonly share: number;
}

export interface DemandOptions {
  readonly seed: number;
  readonly rides: number;
  /** The service area: the fleet's centre and radius. */
  readonly center: Coordinates;
  readonly radiusKm: number;
  /**
   * Offered load: arrivals per second × mean trip busy time ÷ fleet size. 1 is as many rides as
   * the fleet can drive if every pickup were next door; dispatch adds pickup time on top.
   */
  readonly load: number;
  readonly fleetSize: number;
  readonly tariff: Tariff;
  readonly busyTimeScale: number;
  readonly hotSpot?: HotSpot;
}

const KM_PER_DEGREE_LAT = 111.32;

const offset = (center: Coordinates, northKm: number, eastKm: number): Coordinates => ({
  lat: center.lat + northKm / KM_PER_DEGREE_LAT,
  lng: center.lng + eastKm / (KM_PER_DEGREE_LAT * Math.cos((center.lat * Math.PI) / 180)),
});

const uniformInDisc = (random: () => number, center: Coordinates, radiusKm: number) => {
  const distance = radiusKm * Math.sqrt(random());
  const angle = 2 * Math.PI * random();
  return offset(center, distance * Math.sin(angle), distance * Math.cos(angle));
};

/** Box-Muller: two independent standard normals from two uniforms. */
const normalPair = (random: () => number): [number, number] => {
  const radius = Math.sqrt(-2 * Math.log(1 - random()));
  const angle = 2 * Math.PI * random();
  return [radius * Math.cos(angle), radius * Math.sin(angle)];
};

const pickupOf = (random: () => number, options: DemandOptions): Coordinates => {
  const { hotSpot } = options;
  if (hotSpot && random() < hotSpot.share) {
    const [north, east] = normalPair(random);
    return offset(hotSpot.center, north * hotSpot.sigmaKm, east * hotSpot.sigmaKm);
  }
  return uniformInDisc(random, options.center, options.radiusKm);
};

/** A ride id that reads like one and is the same for the same seed and index. */
const rideIdOf = (seed: number, index: number) =>
  `ride-${seed.toString(16)}-${index.toString(16).padStart(8, '0')}`;

/**
 * A seeded stream of requests: Poisson arrivals at the rate that gives the offered load, pickups
 * uniform over the area (or partly from a hot spot), drop-offs uniform over the area. The same
 * options always give the same stream.
 */
export const requestStream = (options: DemandOptions): SimRequest[] => {
  const random = seededRandom(options.seed);
  const places = Array.from({ length: options.rides }, () => {
    const pickup = pickupOf(random, options);
    return { pickup, dropoff: uniformInDisc(random, options.center, options.radiusKm) };
  });
  const meanBusyMs =
    places.reduce(
      (sum, { pickup, dropoff }) =>
        sum + travelSeconds(distanceKm(pickup, dropoff), options.tariff) * 1000,
      0,
    ) *
    (options.busyTimeScale / Math.max(1, places.length));
  const ridesPerMs = (options.load * options.fleetSize) / meanBusyMs;
  let atMs = 0;
  return places.map((place, index) => {
    atMs += -Math.log(1 - random()) / ridesPerMs;
    return { rideId: rideIdOf(options.seed, index), atMs: Math.round(atMs), ...place };
  });
};
