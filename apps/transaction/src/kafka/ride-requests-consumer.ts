import type { Logger } from 'pino';
import type { RideRequestedEvent, Topics } from '@taxi/events';
import {
  startTransactionalConsumer,
  type Kafka,
  type MessageContext,
  type OnLag,
  type Outgoing,
  type RunningConsumer,
} from '@taxi/kafka';
import type { FleetShards } from './fleet-shards';

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
    onFatal: deps.onFatal,
    state: deps.shards,
    process: deps.decide,
  });
