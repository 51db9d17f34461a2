import type { Logger } from 'pino';
import {
  decode,
  newEnvelope,
  type FleetPartitionState,
  type FleetStateEvent,
  type Topics,
} from '@taxi/events';
import {
  outgoing,
  readLatestRecords,
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

const keyOf = (topic: string, partition: number) => `${topic}:${partition}`;

export const toSnapshot = (
  source: { topic: string; partition: number },
  nextOffset: string,
  state: ShardState,
): FleetPartitionState => ({
  source,
  nextOffset,
  drivers: [...state.drivers].map(([id, driver]) => ({
    id,
    position: driver.position,
    ...(driver.busyUntil > 0 ? { busyUntil: new Date(driver.busyUntil).toISOString() } : {}),
  })),
  decidedRides: [...state.decidedRides],
});

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
  private readonly committedShards = new Map<string, ShardState>();
  private readonly pending = new Map<string, ShardDraft>();
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

  async restore(topic: string, partition: number): Promise<void> {
    const key = keyOf(topic, partition);
    const { fleetState } = this.deps.topics;
    const found = await readLatestRecords({
      kafka: this.deps.kafka,
      topic: fleetState.name,
      partition,
      keys: [key],
    });
    const record = found.get(key);
    const drivers = this.driversOf(partition);
    if (!record) {
      this.committedShards.set(key, initialShard(drivers));
      this.deps.logger.info({ topic, partition }, 'no fleet snapshot yet: every driver free');
      return;
    }
    const decoded = decode(fleetState, record.value);
    // Never start from an empty fleet instead: that would free every busy driver.
    if (!decoded.ok)
      throw new Error(`unreadable ${fleetState.name} snapshot ${key}: ${decoded.error.reason}`);
    const state = fromSnapshot(drivers, decoded.value.payload);
    this.committedShards.set(key, state);
    const now = Date.now();
    this.deps.logger.info(
      {
        topic,
        partition,
        nextOffset: decoded.value.payload.nextOffset,
        drivers: state.drivers.size,
        busy: [...state.drivers.values()].filter((driver) => driver.busyUntil > now).length,
      },
      'fleet shard restored',
    );
  }

  begin(topic: string, partition: number): void {
    const committed = this.committedShards.get(keyOf(topic, partition));
    this.pending.set(
      keyOf(topic, partition),
      draftOf(committed ?? initialShard(this.driversOf(partition))),
    );
  }

  /** The state the open transaction of the partition decides against. */
  current(topic: string, partition: number): ShardDraft {
    const state = this.pending.get(keyOf(topic, partition));
    if (!state) throw new Error(`no transaction open for ${topic}/${partition}`);
    return state;
  }

  /** Applies a decision's change to the open transaction's copy; committed with it, or dropped. */
  apply(topic: string, partition: number, change: ShardChange): void {
    applyToDraft(this.current(topic, partition), change);
  }

  end(topic: string, partition: number, nextOffset: string): readonly Outgoing[] {
    const state = this.pending.get(keyOf(topic, partition));
    if (!state) return [];
    const event: FleetStateEvent = {
      ...newEnvelope('fleet.partition_state', `fleet-${topic}-${partition}`),
      payload: toSnapshot({ topic, partition }, nextOffset, state),
    };
    return [outgoing(this.deps.topics.fleetState, event, partition)];
  }

  committed(topic: string, partition: number): void {
    const state = this.pending.get(keyOf(topic, partition));
    if (state) this.committedShards.set(keyOf(topic, partition), state);
    this.pending.delete(keyOf(topic, partition));
  }

  aborted(topic: string, partition: number): void {
    this.pending.delete(keyOf(topic, partition));
  }
}
