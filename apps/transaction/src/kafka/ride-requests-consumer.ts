import type { Logger } from 'pino';
import type { Topics } from '@taxi/events';
import {
  BATCH_FIRST_FETCH,
  consume,
  type FetchSettings,
  type KafkaClient,
  type OnLag,
  type RunningConsumer,
} from '@taxi/kafka';
import type { decideRideRequest } from '../decide-ride-request';
import type { FleetPartition, fleetState } from './fleet-state';

/**
 * A fetch brings at most 256 KiB per partition (about 430 ride events, nearly a transaction of
 * 500) and 2 MiB in all, not kafkajs' 1 MiB per partition and 10 MiB: a fetch response stays in
 * memory, one buffer, until the last of its messages is decided, and under a backlog the larger
 * fetches kept 20-30 MB of buffers alive and the RSS above 150 MB (ADR 035).
 *
 * It returns as soon as a byte is there (`minBytes` 1), not after 256 KiB or 500 ms as the other
 * pipeline members do (036): one fetch serves both inputs, and a ride forwarded to another
 * partition (`dispatch`) would otherwise wait up to 500 ms at each hop at low rates (ADR 038
 * "Latency"). Under load a fetch still brings what piled up during the last transaction.
 */
export const transactionFetchSettings: FetchSettings = {
  ...BATCH_FIRST_FETCH,
  minBytes: 1,
  maxBytesPerPartition: 256 * 1024,
  maxBytes: 2 * 1024 * 1024,
};

/**
 * ride_details and dispatch → decision → ride_confirmed, ride_rejected or a forward on dispatch,
 * exactly once per input, with the partition number's fleet state snapshot in the same
 * transaction. The two inputs are co-partitioned: partition p of each is one state and one
 * transactional id (`<prefix>-<p>`), always on the same member (ADR 038).
 */
export const startRideRequestsConsumer = (deps: {
  kafka: KafkaClient;
  sessionTimeoutMs: number;
  onLag: OnLag;
  topics: Topics;
  groupId: string;
  transactionalIdPrefix: string;
  partitionsConsumedConcurrently: number;
  fleet: ReturnType<typeof fleetState>;
  decide: ReturnType<typeof decideRideRequest>;
  logger: Logger;
  onFatal: (error: unknown) => void;
}): Promise<RunningConsumer<FleetPartition>> =>
  consume({
    mode: 'exactly-once',
    coPartitioned: true,
    kafka: deps.kafka,
    sessionTimeoutMs: deps.sessionTimeoutMs,
    onLag: deps.onLag,
    groupId: deps.groupId,
    contracts: [deps.topics.rideRequested, deps.topics.dispatch],
    // The assigner deals only the numbers both inputs have; the guard adds the changelog: with
    // fewer fleet_state partitions (someone grew the inputs alone) those numbers wait, and one
    // line says what to run, rather than deciding against a state that cannot be written.
    partitionCountGuard: [
      deps.topics.rideRequested,
      deps.topics.dispatch,
      deps.topics.fleetState,
    ].map((topic) => topic.name),
    service: 'transaction',
    logger: deps.logger,
    transactionalIdPrefix: deps.transactionalIdPrefix,
    partitionsConsumedConcurrently: deps.partitionsConsumedConcurrently,
    fetch: transactionFetchSettings,
    onFatal: deps.onFatal,
    state: deps.fleet,
    decide: deps.decide,
  });
