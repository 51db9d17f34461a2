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

/**
 * A shard's snapshot: each driver with its vehicle class (from the fleet, `drivers`), and the
 * fields of the snapshot it was restored from this version does not know.
 */
export const toSnapshot = (
  source: Source,
  nextOffset: string,
  state: ShardState,
  drivers: ReadonlyMap<string, Driver>,
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
            ...withClass(drivers.get(id)),
          },
          carried?.drivers.get(id),
        ),
      ),
      decidedRides: [...state.decidedRides],
    },
    carried?.payload,
  );
};

const withClass = (driver: Driver | undefined) =>
  driver ? { vehicleClass: driver.vehicleClass } : {};

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

/** The drivers of each `ride_details` partition, dealt once per partition, by id too. */
export const shardDrivers = (fleet: readonly Driver[], topics: Topics) => {
  const dealt = new Map<number, { list: Driver[]; byId: Map<string, Driver> }>();
  const of = (partition: number) => {
    let drivers = dealt.get(partition);
    if (!drivers) {
      const list = driversOfPartition(fleet, partition, topics.rideRequested.partitions);
      drivers = { list, byId: new Map(list.map((driver) => [driver.id, driver])) };
      dealt.set(partition, drivers);
    }
    return drivers;
  };
  return Object.assign((partition: number): readonly Driver[] => of(partition).list, {
    byId: (partition: number): ReadonlyMap<string, Driver> => of(partition).byId,
  });
};

export type ShardDrivers = ReturnType<typeof shardDrivers>;

/**
 * The fleet shard of each `ride_details` partition, as the exactly-once consumer keeps it: a
 * transaction decides against its own copy (changed in place ride by ride), writes its snapshot
 * to `fleet_state` partition p with the decisions and offsets, and only a commit makes the copy
 * the shard (ADR 008, 009).
 */
export const fleetState = (
  topics: Topics,
  driversOf: ShardDrivers,
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
    payload: toSnapshot(source, nextOffset, state, driversOf.byId(source.partition)),
  }),
  fromSnapshot: (snapshot, source) => fromSnapshot(driversOf(source.partition), snapshot.payload),
});
