import type { RideRequestedEvent, Topics } from '@taxi/events';
import { outgoing, type Decision, type MessageContext } from '@taxi/kafka';
import type { Driver } from './domain/fleet';
import { processRideRequest, type RideContext } from './domain/process-ride-request';
import type { ShardChange, ShardState } from './domain/shard';
import type { TransactionMetrics } from './metrics';

export interface DecideRideDeps {
  /** The drivers of a `ride_details` partition (its shard). */
  readonly driversOf: (partition: number) => readonly Driver[];
  readonly topics: Topics;
  readonly settings: Omit<RideContext, 'drivers' | 'now'>;
  readonly now: () => Date;
  readonly metrics: TransactionMetrics;
}

/**
 * One ride request, inside its partition's open transaction: decide against the partition's
 * shard, and return the event to publish and the shard's change, committed together.
 */
export const decideRideRequest =
  (deps: DecideRideDeps) =>
  (
    request: RideRequestedEvent,
    shard: ShardState,
    context: MessageContext,
  ): Decision<ShardChange> => {
    const { rideId } = request.payload;
    const timer = deps.metrics.processing.startTimer();
    const { outcome, change } = processRideRequest(request, shard, {
      ...deps.settings,
      drivers: deps.driversOf(context.partition),
      now: deps.now(),
    });
    timer();
    switch (outcome.kind) {
      case 'confirmed': {
        const { driver, pickupEta, fare } = outcome.event.payload;
        deps.metrics.decided.confirmed.inc();
        deps.metrics.fares.observe(fare.amount);
        context.logger.info(
          { rideId, driverId: driver.id, etaSeconds: pickupEta.seconds, fare },
          'ride confirmed',
        );
        return { outputs: [outgoing(deps.topics.rideConfirmed, outcome.event)], change };
      }
      case 'rejected': {
        const { reason, detail } = outcome.event.payload;
        deps.metrics.decided.rejected[reason].inc();
        context.logger.info({ rideId, reason, detail }, 'ride rejected');
        return { outputs: [outgoing(deps.topics.rideRejected, outcome.event)], change };
      }
      case 'duplicate': {
        deps.metrics.decided.duplicate.inc();
        context.logger.warn({ rideId }, 'ride already decided, duplicate request ignored');
        return { outputs: [] };
      }
      default: {
        const unexpected: never = outcome;
        throw new Error(`unexpected outcome ${JSON.stringify(unexpected)}`);
      }
    }
  };
