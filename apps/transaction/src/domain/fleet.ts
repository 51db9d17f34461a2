import type { Coordinates, VehicleClass } from '@taxi/events';

export interface Driver {
  readonly id: string;
  readonly name: string;
  readonly vehicle: { make: string; model: string; color: string; plate: string };
  /** Only rides asking for this class are matched to the driver. */
  readonly vehicleClass: VehicleClass;
  readonly position: Coordinates;
}

export interface FleetOptions {
  readonly size: number;
  readonly seed: number;
  readonly center: Coordinates;
  /** Drivers are spread uniformly within this radius of the centre. */
  readonly radiusKm: number;
}

/** mulberry32: a tiny seeded PRNG, so the same seed always gives the same fleet. */
export const seededRandom = (seed: number): (() => number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

const FIRST_NAMES = [
  'Ada',
  'Alan',
  'Grace',
  'Edsger',
  'Barbara',
  'Donald',
  'Frances',
  'Ken',
  'Radia',
  'Linus',
];
const LAST_NAMES = [
  'Lovelace',
  'Turing',
  'Hopper',
  'Dijkstra',
  'Liskov',
  'Knuth',
  'Allen',
  'Thompson',
  'Perlman',
  'Torvalds',
];
const VEHICLES = [
  { make: 'Toyota', model: 'Prius' },
  { make: 'Hyundai', model: 'Ioniq 5' },
  { make: 'Tesla', model: 'Model 3' },
  { make: 'Kia', model: 'Niro' },
  { make: 'Ford', model: 'Transit' },
];
const COLORS = ['white', 'black', 'silver', 'blue', 'red'];

/** About 1 driver in 5 drives an XL car and 1 in 10 an accessible one. */
const classFor = (draw: number): VehicleClass =>
  draw < 0.1 ? 'accessible' : draw < 0.3 ? 'xl' : 'standard';

const pick = <T>(items: readonly T[], random: () => number): T =>
  items[Math.floor(random() * items.length)] as T;

export const createFleet = (options: FleetOptions): Driver[] => {
  const random = seededRandom(options.seed);
  // A stream of its own, so that classes (added later) left every other field of a seed as it was.
  const classRandom = seededRandom(options.seed ^ 0x5eed);
  const kmPerDegreeLat = 111.32;
  const kmPerDegreeLng = kmPerDegreeLat * Math.cos((options.center.lat * Math.PI) / 180);
  return Array.from({ length: options.size }, (_, index) => {
    const distance = options.radiusKm * Math.sqrt(random());
    const angle = 2 * Math.PI * random();
    const plateNumber = String(1000 + Math.floor(random() * 9000));
    return {
      id: `drv-${String(index + 1).padStart(4, '0')}`,
      name: `${pick(FIRST_NAMES, random)} ${pick(LAST_NAMES, random)}`,
      vehicle: {
        ...pick(VEHICLES, random),
        color: pick(COLORS, random),
        plate: `TX-${plateNumber}`,
      },
      vehicleClass: classFor(classRandom()),
      position: {
        lat: options.center.lat + (distance * Math.sin(angle)) / kmPerDegreeLat,
        lng: options.center.lng + (distance * Math.cos(angle)) / kmPerDegreeLng,
      },
    };
  });
};
