import {
  encode,
  newEnvelope,
  unknownFieldsOf,
  withUnknownFields,
  type FleetPartitionState,
  type FleetStateEvent,
  type Topics,
  type UnknownFields,
} from '@taxi/events';
import type { PartitionState, Source } from '@taxi/kafka';
import type { Logger } from 'pino';
import {
  applyDispatchChange,
  DECIDED_RIDES_KEPT,
  dispatchDraftOf,
  type DispatchChange,
  type DispatchDraft,
  type DispatchState,
  type DriverState,
} from '../domain/dispatch/dispatch';
import { genesisDriversAdded, genesisState } from '../domain/dispatch/ownership';
import type { Driver } from '../domain/fleet';

/**
 * What the snapshot a partition was restored from held that this version does not know: a newer
 * version wrote it, and this one was rolled back to. Written back with every later snapshot, so
 * that the newer version finds it again (ADR 040). Positions keep theirs on the objects themselves.
 */
export interface UnknownSnapshotFields {
  readonly payload?: UnknownFields | undefined;
  readonly source?: UnknownFields | undefined;
  /** By driver id: a restore matches drivers by id, not by place in the list. */
  readonly drivers: ReadonlyMap<string, UnknownFields>;
}

/** One partition number's state in transaction: its dispatch state, and fields carried on. */
export interface FleetPartition extends DispatchState {
  readonly unknownFields?: UnknownSnapshotFields;
  /**
   * A larger FLEET_SIZE this partition dealt before than the one running now: written on as the
   * size dealt, so that raising FLEET_SIZE again adds only drivers beyond it (those of the larger
   * fleet were dropped here, and may be owned elsewhere). Absent: the running fleet's size.
   */
  readonly dealtFleetSize?: number;
}

export interface FleetPartitionDraft extends DispatchDraft {
  readonly unknownFields?: UnknownSnapshotFields;
  readonly dealtFleetSize?: number;
}

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
 * A partition's snapshot (fleet_state 2): the drivers it owns, each with its vehicle class (from
 * the fleet), the rides it handled last, its claims, and each input's position.
 */
export const toSnapshot = (
  source: Source,
  nextOffset: string,
  inputOffsets: Readonly<Record<string, string>> | undefined,
  state: FleetPartition,
  fleet: ReadonlyMap<string, Driver>,
): FleetPartitionState => {
  const carried = state.unknownFields;
  const vehicleClass = (id: string) => {
    const driver = fleet.get(id);
    return driver ? { vehicleClass: driver.vehicleClass } : {};
  };
  return withUnknownFields(
    {
      source: withUnknownFields(
        { topic: source.topic, partition: source.partition },
        carried?.source,
      ),
      nextOffset,
      ...(inputOffsets && { inputOffsets: { ...inputOffsets } }),
      ...(state.dealtForPartitions !== undefined && {
        dealtForPartitions: state.dealtForPartitions,
      }),
      dealtFleetSize: Math.max(state.dealtFleetSize ?? 0, fleet.size),
      drivers: [...state.drivers].map(([id, driver]) =>
        withUnknownFields(
          {
            id,
            position: driver.position,
            ...(driver.busyUntil > 0
              ? { busyUntil: new Date(driver.busyUntil).toISOString() }
              : {}),
            ...vehicleClass(id),
          },
          carried?.drivers.get(id),
        ),
      ),
      rides: [...state.rides].map(([rideId, handling]) => {
        const hops = state.forwardedAtHop?.get(rideId);
        return { rideId, handling, ...(hops !== undefined && { hops }) };
      }),
      claims: [...state.claims].map(([driverId, until]) => ({
        driverId,
        until: new Date(until).toISOString(),
      })),
    },
    carried?.payload,
  );
};

const driverState = (
  saved: FleetPartitionState['drivers'][number] | undefined,
  home: Driver,
): DriverState => ({
  position: saved?.position ?? home.position,
  busyUntil: saved?.busyUntil ? Date.parse(saved.busyUntil) : 0,
});

/**
 * A snapshot back into state. A snapshot of fleet_state 2 owns the drivers it lists (those of this
 * fleet). One of fleet_state 1 (`dealtAtGenesis`, ADR 038) owns exactly its genesis drivers, at
 * the states it lists for them, free at home otherwise, and nothing at partition 6 or above:
 * whatever a v1 snapshot lists, a driver is never owned twice.
 */
export const fromSnapshot = (
  fleet: readonly Driver[],
  byId: ReadonlyMap<string, Driver>,
  partition: number,
  snapshot: FleetPartitionState,
): FleetPartition => {
  const listed = new Map(snapshot.drivers.map((driver) => [driver.id, driver]));
  const owned = snapshot.dealtAtGenesis
    ? [...genesisState(fleet, partition).drivers.keys()]
    : [
        ...snapshot.drivers.map((driver) => driver.id),
        ...genesisDriversAdded(fleet, partition, snapshot.dealtFleetSize, new Set(listed.keys())),
      ];
  const unknownFields = unknownFieldsIn(snapshot);
  const dealtFleetSize = snapshot.dealtFleetSize ?? 0;
  return {
    ...(snapshot.dealtForPartitions !== undefined && {
      dealtForPartitions: snapshot.dealtForPartitions,
    }),
    ...(dealtFleetSize > fleet.length && { dealtFleetSize }),
    drivers: new Map(
      owned.flatMap((id) => {
        const home = byId.get(id);
        return home ? [[id, driverState(listed.get(id), home)] as const] : [];
      }),
    ),
    rides: new Map(
      snapshot.rides.slice(-DECIDED_RIDES_KEPT).map(({ rideId, handling }) => [rideId, handling]),
    ),
    forwardedAtHop: new Map(
      snapshot.rides
        .slice(-DECIDED_RIDES_KEPT)
        .flatMap(({ rideId, hops }) => (hops === undefined ? [] : [[rideId, hops] as const])),
    ),
    claims: new Map(snapshot.claims.map(({ driverId, until }) => [driverId, Date.parse(until)])),
    ...(unknownFields && { unknownFields }),
  };
};

/**
 * The state of each partition number, as the exactly-once consumer keeps it: a transaction
 * decides against its own copy (changed in place input by input), writes its snapshot to
 * `fleet_state` partition p with the outcomes, forwards and offsets of both inputs, and only a
 * commit makes the copy the state (ADR 009, 038). A partition with no snapshot is its genesis deal.
 */
export const fleetState = (
  topics: Topics,
  fleet: readonly Driver[],
  logger?: Logger,
): PartitionState<FleetPartition, DispatchChange, Topics['fleetState'], FleetPartitionDraft> => {
  const byId = new Map(fleet.map((driver) => [driver.id, driver]));
  return {
    changelog: topics.fleetState,
    initial: (source) => genesisState(fleet, source.partition),
    copy: (state) => ({
      ...dispatchDraftOf(state),
      ...(state.unknownFields && { unknownFields: state.unknownFields }),
      ...(state.dealtFleetSize !== undefined && { dealtFleetSize: state.dealtFleetSize }),
    }),
    evolve: (draft, change) => {
      applyDispatchChange(draft, change);
      return draft;
    },
    toSnapshot: (state, source, nextOffset, inputOffsets): FleetStateEvent => ({
      ...newEnvelope('fleet.partition_state', `fleet-${source.topic}-${source.partition}`),
      schemaVersion: 2,
      payload: toSnapshot(source, nextOffset, inputOffsets, state, byId),
    }),
    fromSnapshot: (snapshot, source) => {
      const dropped = snapshot.payload.drivers.filter((driver) => !byId.has(driver.id));
      if (dropped.length > 0)
        logger?.warn(
          {
            partition: source.partition,
            dropped: dropped.length,
            fleetSize: fleet.length,
            dealtFleetSize: snapshot.payload.dealtFleetSize,
          },
          'FLEET_SIZE is below what this partition dealt: drivers it owned that are not in this fleet are dropped for good (raising FLEET_SIZE again adds only drivers beyond the size it dealt)',
        );
      return fromSnapshot(fleet, byId, source.partition, snapshot.payload);
    },
  };
};

/** A ride id as long as any (a UUID): the duplicate guard's entries are all this long. */
const LONGEST_RIDE_ID = '00000000-0000-4000-8000-000000000000';
/** An ISO time as long as any, and an offset as long as any. */
const FAR_FUTURE_MS = Date.parse('9999-12-31T23:59:59.999Z');
const LONGEST_OFFSET = String(Number.MAX_SAFE_INTEGER);
/** The most hops a snapshot records for a ride passed on (fleet_state's schema). */
const MOST_HOPS = 64;
/** The largest partition count a snapshot records as dealt for (fleet_state's schema). */
const MOST_PARTITIONS = 100_000;

/**
 * The bytes of the largest snapshot any partition can write while it owns its genesis drivers:
 * every one busy and claimed, and a full duplicate guard of rides passed on. No partition owns
 * more: hand-overs are sent only after a growth, when a partition shares the drivers it owns with
 * the partitions added (domain/dispatch/growth.ts), so every partition owns a part of one genesis
 * partition's drivers (ADR 038). Infinite when a snapshot would not even pass its schema (more
 * drivers than one may list).
 */
export const largestSnapshotBytes = (fleet: readonly Driver[], topics: Topics): number => {
  const state = fleetState(topics, fleet);
  // Measured, not refused: encode refuses what passes the contract's limit.
  const unlimited: Topics['fleetState'] = {
    ...topics.fleetState,
    maxMessageBytes: Number.POSITIVE_INFINITY,
  };
  const inputs = [topics.rideRequested.name, topics.dispatch.name];
  const rides = Array.from({ length: DECIDED_RIDES_KEPT }, () => LONGEST_RIDE_ID);
  let largest = 0;
  for (let partition = 0; partition < topics.rideRequested.partitions; partition += 1) {
    const source = { topic: topics.rideRequested.name, partition };
    const genesis = state.initial(source);
    const busiest: FleetPartition = {
      drivers: new Map(
        [...genesis.drivers].map(([id, driver]) => [id, { ...driver, busyUntil: FAR_FUTURE_MS }]),
      ),
      rides: new Map(rides.map((rideId) => [rideId, 'forwarded'])),
      dealtForPartitions: MOST_PARTITIONS,
      forwardedAtHop: new Map(rides.map((rideId) => [rideId, MOST_HOPS])),
      claims: new Map([...genesis.drivers.keys()].map((id) => [id, FAR_FUTURE_MS])),
    };
    const snapshot = state.toSnapshot(
      busiest,
      source,
      LONGEST_OFFSET,
      Object.fromEntries(inputs.map((topic) => [topic, LONGEST_OFFSET])),
    );
    const encoded = encode(unlimited, snapshot);
    if (!encoded.ok) return Number.POSITIVE_INFINITY;
    largest = Math.max(largest, encoded.value.value.length);
  }
  return largest;
};
