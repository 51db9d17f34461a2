import type { Kafka } from '@taxi/kafka';
import type { Logger } from 'pino';
import type { Topics } from '@taxi/events';
import { outgoing, startTransactionalConsumer, type RunningConsumer } from '@taxi/kafka';
import { processRideRequest, type ProcessRideDeps } from '../domain/process-ride-request';
import type { TransactionMetrics } from '../metrics';

/** ride_details → decision → ride_confirmed or ride_rejected, exactly once per request. */
export const startRideRequestsConsumer = (deps: {
  kafka: Kafka;
  topics: Topics;
  groupId: string;
  transactionalIdPrefix: string;
  partitionsConsumedConcurrently: number;
  decide: ProcessRideDeps;
  metrics: TransactionMetrics;
  logger: Logger;
  onFatal: (error: unknown) => void;
}): Promise<RunningConsumer> =>
  startTransactionalConsumer({
    kafka: deps.kafka,
    groupId: deps.groupId,
    contracts: [deps.topics.rideRequested],
    service: 'transaction',
    logger: deps.logger,
    transactionalIdPrefix: deps.transactionalIdPrefix,
    partitionsConsumedConcurrently: deps.partitionsConsumedConcurrently,
    onFatal: deps.onFatal,
    process: (request, context) => {
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
