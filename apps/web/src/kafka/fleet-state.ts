import type { Logger } from 'pino';
import type { FleetPartitionState, Topics } from '@taxi/events';
import { read, stateKey, type KafkaClient } from '@taxi/kafka';
import type { FleetSnapshots } from '../domain/fleet';

export interface FleetState {
  /** The latest committed snapshot of each shard read so far. */
  current(): FleetSnapshots;
  stop(): Promise<void>;
}

/**
 * Follows transaction's `fleet_state` changelog from its start, the whole topic (every instance
 * sees every partition), keeping the latest snapshot per shard. Committed transactions only: a
 * snapshot of an aborted decision is never shown.
 */
export const followFleetState = async (deps: {
  kafka: KafkaClient;
  topics: Topics;
  logger: Logger;
  onFatal: (error: unknown) => void;
}): Promise<FleetState> => {
  const { fleetState, rideRequested } = deps.topics;
  const shards = new Map<string, FleetPartitionState>();
  const reader = await read({
    kafka: deps.kafka,
    contracts: [fleetState],
    from: 'beginning',
    until: 'following',
    groupPrefix: 'web-fleet',
    logger: deps.logger,
    onFatal: deps.onFatal,
    onBatch: ({ records }) => {
      for (const { event } of records) shards.set(stateKey(event.payload.source), event.payload);
    },
  });
  return {
    current: () => ({ snapshots: [...shards.values()], partitions: rideRequested.partitions }),
    stop: () => reader.stop(),
  };
};
