import type { Coordinates, UnknownFields, VehicleClass } from '@taxi/events';
import type { Driver } from './fleet';
import { distanceKm } from './geo';

/**
 * Drivers are dealt over the `ride_details` partitions like cards: driver i belongs to partition
 * i mod partitions. Whoever owns a partition owns its drivers, so at any moment each driver has
 * exactly one owner, and a partition's requests are decided against its own shard only.
 */
export const driversOfPartition = (
  fleet: readonly Driver[],
  partition: number,
  partitions: number,
): Driver[] => fleet.filter((_driver, index) => index % partitions === partition);

/** Where a driver is free from, and from when (epoch ms; 0 or past: free now). */
export interface DriverState {
  readonly busyUntil: number;
  readonly position: Coordinates;
}

/**
 * What the snapshot a shard was restored from held that this version does not know: a newer
 * version wrote it, and this one was rolled back to. Written back with every later snapshot, so
 * that the newer version finds it again (ADR 040). Positions keep theirs on the objects themselves.
 */
export interface UnknownSnapshotFields {
  readonly payload?: UnknownFields | undefined;
  readonly source?: UnknownFields | undefined;
  /** By driver id: a restore matches drivers by id, not by place in the list. */
  readonly drivers: ReadonlyMap<string, UnknownFields>;
}

/** What one partition knows: its drivers, and the rides it decided last (oldest first). */
export interface ShardState {
  readonly drivers: ReadonlyMap<string, DriverState>;
  /** A set in the order the rides were decided: a look-up per request, not a scan of 256. */
  readonly decidedRides: ReadonlySet<string>;
  readonly unknownFields?: UnknownSnapshotFields;
}

/**
 * A copy of a shard that changes in place: one transaction's working state. Deciding a batch
 * then costs one copy of the shard per transaction instead of one per ride.
 */
export interface ShardDraft extends ShardState {
  readonly drivers: Map<string, DriverState>;
  readonly decidedRides: Set<string>;
}

/** Rides remembered per partition to drop a repeated request; the race it guards lasts ms. */
export const DECIDED_RIDES_KEPT = 256;

/** Every driver free at home, no ride decided: a partition with no snapshot yet. */
export const initialShard = (drivers: readonly Driver[]): ShardState => ({
  drivers: new Map(
    drivers.map((driver) => [driver.id, { busyUntil: 0, position: driver.position }]),
  ),
  decidedRides: new Set(),
});

/** What deciding a ride changes: the ride is decided, and a confirmed one makes its driver busy. */
export interface ShardChange {
  readonly rideId: string;
  readonly assigned?: { readonly driverId: string } & DriverState;
}

/** A copy to change in place; `state` itself stays as it was. */
export const draftOf = (state: ShardState): ShardDraft => ({
  drivers: new Map(state.drivers),
  decidedRides: new Set(state.decidedRides),
  ...(state.unknownFields && { unknownFields: state.unknownFields }),
});

/** Applies a change to a draft in place, forgetting the oldest decided rides beyond `keep`. */
export const applyToDraft = (
  draft: ShardDraft,
  change: ShardChange,
  keep = DECIDED_RIDES_KEPT,
): void => {
  // Deleted first, so a ride decided again moves to the newest end.
  draft.decidedRides.delete(change.rideId);
  draft.decidedRides.add(change.rideId);
  for (const oldest of draft.decidedRides) {
    if (draft.decidedRides.size <= keep) break;
    draft.decidedRides.delete(oldest);
  }
  const { assigned } = change;
  if (assigned)
    draft.drivers.set(assigned.driverId, {
      busyUntil: assigned.busyUntil,
      position: assigned.position,
    });
};

/** Applies a change; the input state is left as it was (an aborted transaction discards the result). */
export const evolveShard = (
  state: ShardState,
  change: ShardChange,
  keep = DECIDED_RIDES_KEPT,
): ShardState => {
  const next = draftOf(state);
  applyToDraft(next, change, keep);
  return next;
};

export const wasDecided = (state: ShardState, rideId: string): boolean =>
  state.decidedRides.has(rideId);

/**
 * The nearest driver of the shard of the class asked for, free at `nowMs` within `maxKm` of the
 * pickup, and how far.
 */
export const nearestFree = (
  drivers: readonly Driver[],
  state: ShardState,
  pickup: Coordinates,
  nowMs: number,
  maxKm: number,
  vehicleClass: VehicleClass,
): { driver: Driver; km: number } | undefined => {
  let best: { driver: Driver; km: number } | undefined;
  for (const driver of drivers) {
    if (driver.vehicleClass !== vehicleClass) continue;
    const known = state.drivers.get(driver.id);
    if ((known?.busyUntil ?? 0) > nowMs) continue;
    const km = distanceKm(known?.position ?? driver.position, pickup);
    if (km <= maxKm && (!best || km < best.km)) best = { driver, km };
  }
  return best;
};
