import {
  newEnvelope,
  unknownFieldsOf,
  withUnknownFields,
  type FleetPartitionState,
  type FleetStateEvent,
  type Topics,
  type UnknownFields,
} from '@taxi/events';
import type { PartitionState, Source } from '@taxi/kafka';
import {
  applyDispatchChange,
  DECIDED_RIDES_KEPT,
  dispatchDraftOf,
  type DispatchChange,
  type DispatchDraft,
  type DispatchState,
  type DriverState,
} from '../domain/dispatch/dispatch';
import { genesisState } from '../domain/dispatch/ownership';
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
}

export interface FleetPartitionDraft extends DispatchDraft {
  readonly unknownFields?: UnknownSnapshotFields;
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
    : snapshot.drivers.map((driver) => driver.id);
  const unknownFields = unknownFieldsIn(snapshot);
  return {
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
): PartitionState<FleetPartition, DispatchChange, Topics['fleetState'], FleetPartitionDraft> => {
  const byId = new Map(fleet.map((driver) => [driver.id, driver]));
  return {
    changelog: topics.fleetState,
    initial: (source) => genesisState(fleet, source.partition),
    copy: (state) => ({
      ...dispatchDraftOf(state),
      ...(state.unknownFields && { unknownFields: state.unknownFields }),
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
    fromSnapshot: (snapshot, source) =>
      fromSnapshot(fleet, byId, source.partition, snapshot.payload),
  };
};
