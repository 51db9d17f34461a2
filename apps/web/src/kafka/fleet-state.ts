import type { Logger } from 'pino';
import { decode, type FleetPartitionState, type Topics } from '@taxi/events';
import { startTable, type Kafka } from '@taxi/kafka';
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
  kafka: Kafka;
  topics: Topics;
  logger: Logger;
  onFatal: (error: unknown) => void;
}): Promise<FleetState> => {
  const { fleetState, rideRequested } = deps.topics;
  const table = await startTable<FleetPartitionState>({
    kafka: deps.kafka,
    topic: fleetState.name,
    logger: deps.logger,
    onFatal: deps.onFatal,
    parse: (message) => {
      const decoded = decode(fleetState, message.value);
      return decoded.ok ? decoded.value.payload : undefined;
    },
  });
  return {
    current: () => ({
      snapshots: table.keys().flatMap((key) => table.get(key) ?? []),
      partitions: rideRequested.partitions,
    }),
    stop: () => table.stop(),
  };
};
