import type { FleetPartitionState } from '@taxi/events';
import type { DriverMarker, OperationsView } from './views';

/** The fleet as transaction last committed it: the latest snapshot of each partition's shard. */
export interface FleetSnapshots {
  readonly snapshots: readonly FleetPartitionState[];
  /** How many shards there are (the partitions of `ride_details`), reported or not. */
  readonly partitions: number;
}

/**
 * Every driver of the shards reported so far, busy while their `busyUntil` is ahead of `nowMs`.
 * Both kinds are drawn at their `position`, where they are free from: a busy driver's drop-off.
 * A shard whose partition has decided nothing yet has no snapshot, so its drivers are not known.
 */
export const fleetOnMap = (fleet: FleetSnapshots, nowMs: number): OperationsView['drivers'] => {
  const busy: DriverMarker[] = [];
  const free: DriverMarker[] = [];
  for (const snapshot of fleet.snapshots) {
    for (const { id, position, busyUntil } of snapshot.drivers) {
      const isBusy = busyUntil !== undefined && Date.parse(busyUntil) > nowMs;
      (isBusy ? busy : free).push({ id, ...position });
    }
  }
  return {
    busy,
    free,
    shards: { reported: fleet.snapshots.length, total: fleet.partitions },
  };
};
