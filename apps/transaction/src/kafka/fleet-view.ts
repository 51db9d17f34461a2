import type { Logger } from 'pino';
import type { Topics } from '@taxi/events';
import { read, type KafkaClient, type ReadEvent } from '@taxi/kafka';
import type { DriverState, FleetView } from '../domain/dispatch/dispatch';
import { GENESIS_PARTITIONS, genesisState } from '../domain/dispatch/ownership';
import type { Driver } from '../domain/fleet';
import { fromSnapshot } from './fleet-state';

export interface FleetViewReader {
  /** Every partition's drivers as last committed; a partition with no snapshot is its genesis deal. */
  current(): FleetView;
  /** True once the reader has reached the end the topic had when it started. */
  isCaughtUp(): boolean;
  /** Resolves once it has. */
  caughtUp(): Promise<void>;
  stop(): Promise<void>;
}

export type FleetSnapshotRecord = ReadEvent<Topics['fleetState']>;

/**
 * The view's partitions, and how snapshots read from `fleet_state` change them. Each snapshot
 * applied while `following` has its lag observed: now minus its record's timestamp. Not while
 * catching up: the snapshots replayed at start-up are old by design, not late.
 */
export const fleetViewOf = (
  fleet: readonly Driver[],
  observeLag: (seconds: number) => void,
  now: () => number = Date.now,
) => {
  const byId = new Map(fleet.map((driver) => [driver.id, driver]));
  const partitions = new Map<number, ReadonlyMap<string, DriverState>>();
  for (let partition = 0; partition < GENESIS_PARTITIONS; partition += 1)
    partitions.set(partition, genesisState(fleet, partition).drivers);
  return {
    partitions: partitions as FleetView,
    apply: (records: readonly FleetSnapshotRecord[], following: boolean) => {
      for (const { event, timestampMs } of records) {
        const snapshot = event.payload;
        const { partition } = snapshot.source;
        partitions.set(partition, fromSnapshot(fleet, byId, partition, snapshot).drivers);
        if (following) observeLag((now() - timestampMs) / 1000);
      }
    },
  };
};

/**
 * Follows `fleet_state` from its start, every partition, committed only (as web does): the view
 * transaction decides against for the drivers other partitions own (ADR 038). Stale by a commit
 * and a fetch (`taxi_fleet_view_lag_seconds` measures by how much), and only a hint: the owner
 * re-checks a forwarded ride's driver.
 */
export const followFleetView = async (deps: {
  kafka: KafkaClient;
  topics: Topics;
  fleet: readonly Driver[];
  /** Observes each snapshot's lag once the view has caught up, in seconds. */
  observeLag: (seconds: number) => void;
  logger: Logger;
  onFatal: (error: unknown) => void;
}): Promise<FleetViewReader> => {
  const view = fleetViewOf(deps.fleet, deps.observeLag);
  // Until the view has caught up, it replays the topic from its start: old, not late.
  let caughtUp = false;
  const reader = await read({
    kafka: deps.kafka,
    contracts: [deps.topics.fleetState],
    from: 'beginning',
    until: 'following',
    groupPrefix: 'transaction-fleet-view',
    logger: deps.logger,
    onFatal: deps.onFatal,
    onBatch: ({ records }) => view.apply(records, caughtUp),
  });
  void reader.caughtUp().then(() => (caughtUp = true));
  return {
    current: () => view.partitions,
    isCaughtUp: () => reader.isCaughtUp(),
    caughtUp: () => reader.caughtUp(),
    stop: () => reader.stop(),
  };
};
