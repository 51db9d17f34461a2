import {
  encode,
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

/** A ride id as long as any (a UUID): the duplicate guard's entries are all this long. */
const LONGEST_RIDE_ID = '00000000-0000-4000-8000-000000000000';

/**
 * The bytes of the largest first snapshot any partition writes: its shard as dealt, every driver
 * free at home, and a full duplicate guard. Each later snapshot is larger by each busy driver's
 * `busyUntil` (about 37 bytes) and any drop-off position written longer than the home one.
 */
export const largestFirstSnapshotBytes = (fleet: readonly Driver[], topics: Topics): number => {
  const driversOf = shardDrivers(fleet, topics);
  const state = fleetState(topics, driversOf);
  const decidedRides = new Set(Array.from({ length: DECIDED_RIDES_KEPT }, () => LONGEST_RIDE_ID));
  let largest = 0;
  for (let partition = 0; partition < topics.rideRequested.partitions; partition += 1) {
    const source = { topic: topics.rideRequested.name, partition };
    const shard = { ...state.initial(source), decidedRides };
    const snapshot = state.toSnapshot(shard, source, String(Number.MAX_SAFE_INTEGER));
    const encoded = encode(topics.fleetState, snapshot);
    if (!encoded.ok) throw new Error(`fleet snapshot does not encode: ${encoded.error.reason}`);
    largest = Math.max(largest, encoded.value.value.length);
  }
  return largest;
};
