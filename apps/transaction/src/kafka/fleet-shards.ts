import type { Logger } from 'pino';
import {
  newEnvelope,
  unknownFieldsOf,
  withUnknownFields,
  type FleetPartitionState,
  type FleetStateEvent,
  type Topics,
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
  source: { topic: string; partition: number },
  nextOffset: string,
  state: ShardState,
): FleetPartitionState => {
  const carried = state.unknownFields;
  return withUnknownFields(
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
    if (!snapshot) {
      this.shards.restored(topic, partition, initialShard(drivers));
      this.deps.logger.info({ topic, partition }, 'no fleet snapshot yet: every driver free');
      return undefined;
    }
    const state = fromSnapshot(drivers, snapshot.payload);
    this.shards.restored(topic, partition, state);
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
      payload: toSnapshot({ topic, partition }, nextOffset, state),
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
