import type { RideRequestedEvent, Topics } from '@taxi/events';
import { outgoing, type MessageContext, type Outgoing } from '@taxi/kafka';
import { processRideRequest, type RideContext } from './domain/process-ride-request';
import type { FleetShards } from './kafka/fleet-shards';
import type { TransactionMetrics } from './metrics';

export interface DecideRideDeps {
  readonly shards: FleetShards;
  readonly topics: Topics;
  readonly settings: Omit<RideContext, 'drivers' | 'now'>;
  readonly now: () => Date;
  readonly metrics: TransactionMetrics;
}

/**
 * One ride request, inside its partition's open transaction: decide against the partition's
 * shard, stage the state change in the transaction, and return the event to publish with it.
 */
export const decideRideRequest =
  (deps: DecideRideDeps) =>
  (request: RideRequestedEvent, context: MessageContext): readonly Outgoing[] => {
    const { topic, partition } = context;
    const { rideId } = request.payload;
    const timer = deps.metrics.processing.startTimer();
    const decision = processRideRequest(request, deps.shards.current(topic, partition), {
      ...deps.settings,
      drivers: deps.shards.driversOf(partition),
      now: deps.now(),
    });
    timer();
    if (decision.change) deps.shards.apply(topic, partition, decision.change);
    const { outcome } = decision;
    switch (outcome.kind) {
      case 'confirmed': {
        const { driver, pickupEta, fare } = outcome.event.payload;
        deps.metrics.decided.confirmed.inc();
        deps.metrics.fares.observe(fare.amount);
        context.logger.info(
          { rideId, driverId: driver.id, etaSeconds: pickupEta.seconds, fare },
          'ride confirmed',
        );
        return [outgoing(deps.topics.rideConfirmed, outcome.event)];
      }
      case 'rejected': {
        const { reason, detail } = outcome.event.payload;
        deps.metrics.decided.rejected[reason].inc();
        context.logger.info({ rideId, reason, detail }, 'ride rejected');
        return [outgoing(deps.topics.rideRejected, outcome.event)];
      }
      case 'duplicate': {
        deps.metrics.decided.duplicate.inc();
        context.logger.warn({ rideId }, 'ride already decided, duplicate request ignored');
        return [];
      }
      default: {
        const unexpected: never = outcome;
        throw new Error(`unexpected outcome ${JSON.stringify(unexpected)}`);
      }
    }
  };
