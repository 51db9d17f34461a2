import type { Logger } from 'pino';
import type { FleetPartitionState, Topics } from '@taxi/events';
import { read, type KafkaClient } from '@taxi/kafka';
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

/**
 * Follows `fleet_state` from its start, every partition, committed only (as web does): the view
 * transaction decides against for the drivers other partitions own (ADR 038). Stale by a commit
 * and a fetch, and only a hint: the owner re-checks a forwarded ride's driver.
 */
export const followFleetView = async (deps: {
  kafka: KafkaClient;
  topics: Topics;
  fleet: readonly Driver[];
  logger: Logger;
  onFatal: (error: unknown) => void;
}): Promise<FleetViewReader> => {
  const byId = new Map(deps.fleet.map((driver) => [driver.id, driver]));
  const partitions = new Map<number, ReadonlyMap<string, DriverState>>();
  for (let partition = 0; partition < GENESIS_PARTITIONS; partition += 1)
    partitions.set(partition, genesisState(deps.fleet, partition).drivers);
  const apply = (snapshot: FleetPartitionState) => {
    const { partition } = snapshot.source;
    partitions.set(partition, fromSnapshot(deps.fleet, byId, partition, snapshot).drivers);
  };
  const reader = await read({
    kafka: deps.kafka,
    contracts: [deps.topics.fleetState],
    from: 'beginning',
    until: 'following',
    groupPrefix: 'transaction-fleet-view',
    logger: deps.logger,
    onFatal: deps.onFatal,
    onBatch: ({ records }) => {
      for (const { event } of records) apply(event.payload);
    },
  });
  return {
    current: () => partitions,
    isCaughtUp: () => reader.isCaughtUp(),
    caughtUp: () => reader.caughtUp(),
    stop: () => reader.stop(),
  };
};
