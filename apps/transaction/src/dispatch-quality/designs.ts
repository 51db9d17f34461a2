import { latLngToCell } from 'h3-js';
import type { Coordinates } from '@taxi/events';
import type { DispatchPolicy } from '../domain/dispatch/dispatch';
import { dealByIndex, type GenesisDeal } from '../domain/dispatch/ownership';
import type { SimRequest } from './demand';

/** How requests are keyed, who owns which driver at the start, and how a partition decides. */
export interface Design {
  readonly name: string;
  /** The `ride_details` partition a request lands on. */
  readonly partitionOf: (request: SimRequest, partitions: number) => number;
  readonly genesis: (partitions: number) => GenesisDeal;
  readonly policy: (partitions: number) => DispatchPolicy;
}

/**
 * A uniform 32-bit string hash (FNV-1a) standing in for the producer's murmur2: which keys share a
 * partition differs, how evenly keys spread does not, and that is all the measures depend on.
 */
const hash = (key: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i += 1) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
};

export const keyPartition = (key: string, partitions: number): number => hash(key) % partitions;

/** The partition of the H3 cell (at `resolution`) a position lies in. */
export const cellPartition = (
  position: Coordinates,
  resolution: number,
  partitions: number,
): number => keyPartition(latLngToCell(position.lat, position.lng, resolution), partitions);

const byRideId = (request: SimRequest, partitions: number) =>
  keyPartition(request.rideId, partitions);

const NO_FORWARD: DispatchPolicy = { maxHops: 0, minForwardGainKm: 0, claimMs: 0 };

// The chosen policy is the service's own (domain/dispatch/policy.ts): measured as it runs.
import { FORWARDING, type Forwarding } from '../domain/dispatch/policy';

export { FORWARDING, type Forwarding };

/** Today (ADR 008): requests keyed by ride id, driver i owned by partition i mod N, no forwarding. */
export const dealByIndexDesign: Design = {
  name: 'deal-by-index',
  partitionOf: byRideId,
  genesis: (partitions) => dealByIndex(partitions),
  policy: () => NO_FORWARD,
};

/** Requests keyed by ride id; drivers stay where the deal put them; rides go to the best driver's owner. */
export const rideForwardDesign = (forwarding: Forwarding = FORWARDING): Design => ({
  name: 'ride-forward',
  partitionOf: byRideId,
  genesis: (partitions) => dealByIndex(partitions),
  policy: () => forwarding,
});

/**
 * Requests keyed by their pickup's H3 cell, cells hashed to partitions, and each driver owned by
 * the partition of the cell they are in (handed over at a drop-off in another partition's cell);
 * with or without forwarding to the view's best driver.
 */
export const cellsDesign = (resolution: number, forwarding?: Forwarding): Design => ({
  name: `${forwarding ? 'cells-forward' : 'cells'}@r${resolution}`,
  partitionOf: (request, partitions) => cellPartition(request.pickup, resolution, partitions),
  genesis: (partitions) => (driver) => cellPartition(driver.position, resolution, partitions),
  policy: (partitions) => ({
    ...(forwarding ?? NO_FORWARD),
    homeOf: (position) => cellPartition(position, resolution, partitions),
  }),
});
