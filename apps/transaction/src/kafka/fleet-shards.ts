import type { Logger } from 'pino';
import {
  newEnvelope,
  unknownFieldsOf,
  withUnknownFields,
  type FleetPartitionState,
  type FleetStateEvent,
  type Topics,
  type UnknownFields,
} from '@taxi/events';
import {
  outgoing,
  readLatestSnapshot,
  TransactionalStates,
  type Kafka,
  type Outgoing,
  type PartitionStateHooks,
} from '@taxi/kafka';
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
} from '../domain/shard';

/**
 * The fields of a restored snapshot this version does not know (a newer one wrote it, and this
 * one was rolled back to): written back with every snapshot of the partition, so that the newer
 * version finds them again (ADR 040). Positions keep theirs on the objects themselves.
 */
export interface CarriedSnapshotFields {
  readonly payload?: UnknownFields | undefined;
  readonly source?: UnknownFields | undefined;
  /** By driver id: the restore matches drivers by id, not by place in the list. */
  readonly drivers: ReadonlyMap<string, UnknownFields>;
}

export const carriedFieldsOf = (snapshot: FleetPartitionState): CarriedSnapshotFields => ({
  payload: unknownFieldsOf(snapshot),
  source: unknownFieldsOf(snapshot.source),
  drivers: new Map(
    snapshot.drivers.flatMap((driver) => {
      const fields = unknownFieldsOf(driver);
      return fields ? [[driver.id, fields] as const] : [];
    }),
  ),
});

export const toSnapshot = (
  source: { topic: string; partition: number },
  nextOffset: string,
  state: ShardState,
  carried?: CarriedSnapshotFields,
): FleetPartitionState =>
  withUnknownFields(
    {
      source: withUnknownFields({ ...source }, carried?.source),
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

/** A snapshot back into state, for the shard's drivers as dealt now (others are ignored). */
export const fromSnapshot = (
  drivers: readonly Driver[],
  snapshot: FleetPartitionState,
): ShardState => {
  const known = new Map(snapshot.drivers.map((driver) => [driver.id, driver]));
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
  };
};

/**
 * The fleet shards of the `ride_details` partitions this instance owns, as Kafka transaction
 * hooks. A transaction works on its own copy (`pending`, changed in place ride by ride); its
 * snapshot goes to `fleet_state` partition p with the decisions and offsets; only a commit makes
 * the copy the committed state, and a restore reads the latest committed snapshot back.
 */
export class FleetShards implements PartitionStateHooks {
  private readonly shards = new TransactionalStates<ShardState, ShardDraft>(
    (committed, _topic, partition) => draftOf(committed ?? initialShard(this.driversOf(partition))),
  );
  private readonly shardDrivers = new Map<number, Driver[]>();
  /** Per partition, what its restored snapshot held that this version does not know. */
  private readonly carried = new Map<string, CarriedSnapshotFields>();

  constructor(
    private readonly deps: {
      readonly kafka: Kafka;
      readonly topics: Topics;
      readonly fleet: readonly Driver[];
      readonly logger: Logger;
    },
  ) {}

  /** The drivers of a `ride_details` partition. */
  driversOf(partition: number): readonly Driver[] {
    let drivers = this.shardDrivers.get(partition);
    if (!drivers) {
      const partitions = this.deps.topics.rideRequested.partitions;
      drivers = driversOfPartition(this.deps.fleet, partition, partitions);
      this.shardDrivers.set(partition, drivers);
    }
    return drivers;
  }

  /** Returns the input offset the restored snapshot covers up to (none: undefined). */
  async restore(topic: string, partition: number): Promise<string | undefined> {
    const snapshot = await readLatestSnapshot(
      this.deps.kafka,
      this.deps.topics.fleetState,
      topic,
      partition,
    );
    const drivers = this.driversOf(partition);
    const key = `${topic}:${partition}`;
    this.carried.delete(key);
    if (!snapshot) {
      this.shards.restored(topic, partition, initialShard(drivers));
      this.deps.logger.info({ topic, partition }, 'no fleet snapshot yet: every driver free');
      return undefined;
    }
    const state = fromSnapshot(drivers, snapshot.payload);
    this.shards.restored(topic, partition, state);
    this.carried.set(key, carriedFieldsOf(snapshot.payload));
    const now = Date.now();
    this.deps.logger.info(
      {
        topic,
        partition,
        nextOffset: snapshot.payload.nextOffset,
        drivers: state.drivers.size,
        busy: [...state.drivers.values()].filter((driver) => driver.busyUntil > now).length,
      },
      'fleet shard restored',
    );
    return snapshot.payload.nextOffset;
  }

  begin(topic: string, partition: number): void {
    this.shards.begin(topic, partition);
  }

  /** The state the open transaction of the partition decides against. */
  current(topic: string, partition: number): ShardDraft {
    return this.shards.open(topic, partition);
  }

  /** Applies a decision's change to the open transaction's copy; committed with it, or dropped. */
  apply(topic: string, partition: number, change: ShardChange): void {
    applyToDraft(this.current(topic, partition), change);
  }

  end(topic: string, partition: number, nextOffset: string): readonly Outgoing[] {
    const state = this.shards.draft(topic, partition);
    if (!state) return [];
    const event: FleetStateEvent = {
      ...newEnvelope('fleet.partition_state', `fleet-${topic}-${partition}`),
      payload: toSnapshot(
        { topic, partition },
        nextOffset,
        state,
        this.carried.get(`${topic}:${partition}`),
      ),
    };
    return [outgoing(this.deps.topics.fleetState, event, partition)];
  }

  committed(topic: string, partition: number): void {
    this.shards.committed(topic, partition);
  }

  aborted(topic: string, partition: number): void {
    this.shards.aborted(topic, partition);
  }
}
