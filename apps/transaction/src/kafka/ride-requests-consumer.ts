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
import type { ShardState } from '../domain/shard';
import type { fleetState } from './fleet-state';

/**
 * A fetch brings at most 256 KiB per partition (about 430 ride events, nearly a transaction of
 * 500) and 2 MiB in all, not kafkajs' 1 MiB per partition and 10 MiB: a fetch response stays in
 * memory, one buffer, until the last of its messages is decided, and under a backlog the larger
 * fetches kept 20-30 MB of buffers alive and the RSS above 150 MB (ADR 035).
 */
export const transactionFetchSettings: FetchSettings = {
  ...BATCH_FIRST_FETCH,
  maxBytesPerPartition: 256 * 1024,
  maxBytes: 2 * 1024 * 1024,
};

/**
 * ride_details → decision → ride_confirmed or ride_rejected, exactly once per request, with the
 * partition's fleet shard snapshot in the same transaction.
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
}): Promise<RunningConsumer<ShardState>> =>
  consume({
    mode: 'exactly-once',
    kafka: deps.kafka,
    sessionTimeoutMs: deps.sessionTimeoutMs,
    onLag: deps.onLag,
    groupId: deps.groupId,
    contracts: [deps.topics.rideRequested],
    service: 'transaction',
    logger: deps.logger,
    transactionalIdPrefix: deps.transactionalIdPrefix,
    partitionsConsumedConcurrently: deps.partitionsConsumedConcurrently,
    fetch: transactionFetchSettings,
    onFatal: deps.onFatal,
    state: deps.fleet,
    decide: deps.decide,
  });
