import {
  newEnvelope,
  unknownFieldsOf,
  withUnknownFields,
  type FleetPartitionState,
  type FleetStateEvent,
  type Topics,
} from '@taxi/events';
import type { PartitionState, Source } from '@taxi/kafka';
import type { Driver } from '../domain/fleet';
import {
  applyToDraft,
  DECIDED_RIDES_KEPT,
  draftOf,
  driversOfPartition,
  initialShard,
  type ShardChange,
  type ShardDraft,
  type ShardState,
  type UnknownSnapshotFields,
} from '../domain/shard';

/** What a snapshot holds that this version does not know (ADR 040); undefined: nothing. */
const unknownFieldsIn = (snapshot: FleetPartitionState): UnknownSnapshotFields | undefined => {
  const drivers = new Map(
    snapshot.drivers.flatMap((driver) => {
      const fields = unknownFieldsOf(driver);
      return fields ? [[driver.id, fields] as const] : [];
    }),
  );
  const payload = unknownFieldsOf(snapshot);
  const source = unknownFieldsOf(snapshot.source);
  return payload || source || drivers.size > 0 ? { payload, source, drivers } : undefined;
};

/** A shard's snapshot, with the fields of the one it was restored from this version does not know. */
export const toSnapshot = (
  source: Source,
  nextOffset: string,
  state: ShardState,
): FleetPartitionState => {
  const carried = state.unknownFields;
  return withUnknownFields(
    {
      source: withUnknownFields(
        { topic: source.topic, partition: source.partition },
        carried?.source,
      ),
      nextOffset,
      drivers: [...state.drivers].map(([id, driver]) =>
        withUnknownFields(
          {
            id,
            position: driver.position,
            ...(driver.busyUntil > 0
              ? { busyUntil: new Date(driver.busyUntil).toISOString() }
              : {}),
          },
          carried?.drivers.get(id),
        ),
      ),
      decidedRides: [...state.decidedRides],
    },
    carried?.payload,
  );
};

/** A snapshot back into state, for the shard's drivers as dealt now (others are ignored). */
export const fromSnapshot = (
  drivers: readonly Driver[],
  snapshot: FleetPartitionState,
): ShardState => {
  const known = new Map(snapshot.drivers.map((driver) => [driver.id, driver]));
  const unknownFields = unknownFieldsIn(snapshot);
  return {
    drivers: new Map(
      drivers.map((driver) => {
        const saved = known.get(driver.id);
        return [
          driver.id,
          {
            position: saved?.position ?? driver.position,
            busyUntil: saved?.busyUntil ? Date.parse(saved.busyUntil) : 0,
          },
        ];
      }),
    ),
    decidedRides: new Set(snapshot.decidedRides.slice(-DECIDED_RIDES_KEPT)),
    ...(unknownFields && { unknownFields }),
  };
};

/** The drivers of each `ride_details` partition, dealt once per partition. */
export const shardDrivers = (fleet: readonly Driver[], topics: Topics) => {
  const dealt = new Map<number, Driver[]>();
  return (partition: number): readonly Driver[] => {
    let drivers = dealt.get(partition);
    if (!drivers) {
      drivers = driversOfPartition(fleet, partition, topics.rideRequested.partitions);
      dealt.set(partition, drivers);
    }
    return drivers;
  };
};

/**
 * The fleet shard of each `ride_details` partition, as the exactly-once consumer keeps it: a
 * transaction decides against its own copy (changed in place ride by ride), writes its snapshot
 * to `fleet_state` partition p with the decisions and offsets, and only a commit makes the copy
 * the shard (ADR 008, 009).
 */
export const fleetState = (
  topics: Topics,
  driversOf: (partition: number) => readonly Driver[],
): PartitionState<ShardState, ShardChange, Topics['fleetState'], ShardDraft> => ({
  changelog: topics.fleetState,
  initial: (source) => initialShard(driversOf(source.partition)),
  copy: draftOf,
  evolve: (draft, change) => {
    applyToDraft(draft, change);
    return draft;
  },
  toSnapshot: (state, source, nextOffset): FleetStateEvent => ({
    ...newEnvelope('fleet.partition_state', `fleet-${source.topic}-${source.partition}`),
    payload: toSnapshot(source, nextOffset, state),
  }),
  fromSnapshot: (snapshot, source) => fromSnapshot(driversOf(source.partition), snapshot.payload),
});
