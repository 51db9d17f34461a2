import type { Kafka } from '@taxi/kafka';
import type { Logger } from 'pino';
import type { Topics } from '@taxi/events';
import {
  outgoing,
  startTransactionalConsumer,
  type RunningConsumer,
  type OnLag,
} from '@taxi/kafka';
import { processRideRequest, type ProcessRideDeps } from '../domain/process-ride-request';
import type { TransactionMetrics } from '../metrics';
import { DecidedRides } from './decided-rides';

/** Rides remembered as decided, to drop a request published twice for one ride. */
const REMEMBERED_RIDES = 100_000;

/** ride_details → decision → ride_confirmed or ride_rejected, exactly once per request. */
export const startRideRequestsConsumer = (deps: {
  kafka: Kafka;
  sessionTimeoutMs: number;
  onLag: OnLag;
  topics: Topics;
  groupId: string;
  transactionalIdPrefix: string;
  partitionsConsumedConcurrently: number;
  decide: ProcessRideDeps;
  metrics: TransactionMetrics;
  logger: Logger;
  onFatal: (error: unknown) => void;
}): Promise<RunningConsumer> => {
  const decided = new DecidedRides(REMEMBERED_RIDES);
  return startTransactionalConsumer({
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
    state: decided,
    process: (request, context) => {
      const { rideId } = request.payload;
      if (decided.wasDecided(context.topic, context.partition, rideId)) {
        deps.metrics.decisions.inc({ outcome: 'duplicate', reason: '' });
        context.logger.warn({ rideId }, 'ride already decided, duplicate request ignored');
        return [];
      }
      decided.decided(context.topic, context.partition, rideId);
      const end = deps.metrics.processing.startTimer();
      const decision = processRideRequest(request, deps.decide);
      end();
      const log = context.logger.child({ rideId: request.payload.rideId });
      switch (decision.kind) {
        case 'confirmed': {
          const { driver, pickupEta, fare } = decision.event.payload;
          deps.metrics.decisions.inc({ outcome: 'confirmed', reason: '' });
          deps.metrics.fares.observe(fare.amount);
          log.info({ driverId: driver.id, etaSeconds: pickupEta.seconds, fare }, 'ride confirmed');
          return [outgoing(deps.topics.rideConfirmed, decision.event)];
        }
        case 'rejected': {
          const { reason, detail } = decision.event.payload;
          deps.metrics.decisions.inc({ outcome: 'rejected', reason });
          log.info({ reason, detail }, 'ride rejected');
          return [outgoing(deps.topics.rideRejected, decision.event)];
        }
        default: {
          const unexpected: never = decision;
          throw new Error(`unexpected decision ${JSON.stringify(unexpected)}`);
        }
      }
    },
  });
};
