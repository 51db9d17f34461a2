import { measureDispatchQuality, type QualityOptions, type QualityRow } from './compare';
import {
  cellsDesign,
  dealByIndexDesign,
  FORWARDING,
  rideForwardDesign,
  type Design,
  type Forwarding,
} from './designs';

/**
 * How stale the fleet view is, and how long a forward takes, in the running stack: the largest
 * p99 of `taxi_fleet_view_lag_seconds` and `taxi_dispatch_hop_seconds` over the bench's steady
 * runs at the simulation's rates (5-60 rides/s, 6, 12 and 24 partitions, 2026-12-07: 30-79 ms
 * and 39-90 ms; docs/benchmarks.md "The fleet view's lag and the hop time"). A p99 for every
 * change and every forward: the stale tail is what makes two partitions chase one driver. Before
 * they were measured the simulation assumed 500 ms for both (a fetch's maxWaitTime).
 */
export const MEASURED_VIEW_LAG_MS = 80;
export const MEASURED_HOP_MS = 90;

/** Manhattan's Midtown, 3.5 km from the fleet's centre: half of the rush hour's pickups. */
const MIDTOWN = { lat: 40.754, lng: -73.984 };

/** Today's design, geographic cells without forwarding, and three designs that forward. */
export const standardDesigns = (forwarding: Forwarding): Design[] => [
  dealByIndexDesign,
  cellsDesign(7),
  rideForwardDesign(forwarding),
  cellsDesign(6, forwarding),
  cellsDesign(7, forwarding),
  cellsDesign(8, forwarding),
];

/** The services' defaults (apps/transaction config): 200 drivers in 15 km, 25 km reach, ×0.01 time. */
export const standardOptions: QualityOptions = {
  scenarios: [
    { name: 'uniform, busy (load 0.5)', load: 0.5 },
    { name: 'uniform, near saturation (load 0.65)', load: 0.65 },
    {
      name: 'rush hour: half the pickups within ~1 km of Midtown (load 0.5)',
      load: 0.5,
      hotSpot: { center: MIDTOWN, sigmaKm: 1, share: 0.5 },
    },
  ],
  designs: standardDesigns(FORWARDING),
  partitionCounts: [6, 12, 24],
  seeds: [1, 2, 3],
  rides: 6_000,
  warmUpRides: 1_000,
  viewLagMs: MEASURED_VIEW_LAG_MS,
  hopDelayMs: MEASURED_HOP_MS,
  fleetSize: 200,
  center: { lat: 40.7306, lng: -73.9352 },
  radiusKm: 15,
  maxPickupKm: 25,
  busyTimeScale: 0.01,
};

export const runStandard = (overrides: Partial<QualityOptions> = {}): QualityRow[] =>
  measureDispatchQuality({ ...standardOptions, ...overrides });
