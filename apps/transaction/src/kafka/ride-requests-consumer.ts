import type { Logger } from 'pino';
import type { RideRequestedEvent, Topics } from '@taxi/events';
import {
  BATCH_FIRST_FETCH,
  startTransactionalConsumer,
  type FetchSettings,
  type Kafka,
  type MessageContext,
  type OnLag,
  type Outgoing,
  type RunningConsumer,
} from '@taxi/kafka';
import type { FleetShards } from './fleet-shards';

/**
 * A fetch brings at most 256 KiB per partition (about 430 ride events, nearly a transaction of
 * 500) and 2 MiB in all, not kafkajs' 1 MiB per partition and 10 MiB: a fetch response stays in
 * memory, one buffer, until the last of its messages is decided, and under a backlog the larger
 * fetches kept 20-30 MB of buffers alive and the RSS above 150 MB (ADR 019).
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
  kafka: Kafka;
  sessionTimeoutMs: number;
  onLag: OnLag;
  topics: Topics;
  groupId: string;
  transactionalIdPrefix: string;
  partitionsConsumedConcurrently: number;
  shards: FleetShards;
  decide: (request: RideRequestedEvent, context: MessageContext) => readonly Outgoing[];
  logger: Logger;
  onFatal: (error: unknown) => void;
}): Promise<RunningConsumer> =>
  startTransactionalConsumer({
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
    state: deps.shards,
    process: deps.decide,
  });
