import type { DispatchEvent, RideRequestedEvent, Topics } from '@taxi/events';
import { outgoing, type Decision, type MessageContext } from '@taxi/kafka';
import type { DispatchChange, DispatchState, FleetView } from './domain/dispatch/dispatch';
import {
  processRideInput,
  type RideContext,
  type RideInput,
  type SharedDrivers,
} from './domain/process-ride-request';
import type { TransactionMetrics } from './metrics';

export interface DecideRideDeps {
  readonly topics: Topics;
  readonly settings: Omit<RideContext, 'partition' | 'now'>;
  /** The fleet as every partition last committed it (`fleet_state`, followed). */
  readonly view: () => FleetView;
  /** The partition count of the co-partitioned inputs, as last read; undefined: not yet known. */
  readonly partitions: () => number | undefined;
  readonly now: () => Date;
  readonly metrics: TransactionMetrics;
}

/** What transaction consumes: a request from `ride_details`, or a forward or hand-over. */
export type TransactionInputEvent = RideRequestedEvent | DispatchEvent;

const inputOf = (event: TransactionInputEvent): RideInput => {
  switch (event.type) {
    case 'ride.requested':
      return { kind: 'request', event };
    case 'dispatch.forward':
      return { kind: 'forward', event };
    case 'dispatch.hand_over':
      return { kind: 'hand-over', event };
    default: {
      const unexpected: never = event;
      throw new Error(`unexpected input ${JSON.stringify(unexpected)}`);
    }
  }
};

/**
 * One input of a partition number, inside its open transaction: decide against the partition's
 * own drivers and the view of the others, and return what to publish (an outcome, or a forward
 * to the owner's partition of `dispatch`) and the state's change, committed together (ADR 038).
 */
export const decideRideRequest =
  (deps: DecideRideDeps) =>
  (
    event: TransactionInputEvent,
    state: DispatchState,
    context: MessageContext,
  ): Decision<DispatchChange> => {
    const now = deps.now();
    if (event.type === 'dispatch.forward')
      deps.metrics.hop.observe((now.getTime() - context.timestampMs) / 1000);
    const timer = deps.metrics.processing.startTimer();
    const partitions = deps.partitions();
    const { outcome, change, shared } = processRideInput(inputOf(event), state, deps.view(), {
      ...deps.settings,
      partition: context.partition,
      now,
      ...(partitions !== undefined && { partitions }),
    });
    timer();
    // Hand-overs to the partitions a growth added go out with whatever the input decided.
    const handOvers = shared ? shareOutputs(deps, shared, context) : [];
    const decided = (outputs: Decision<DispatchChange>['outputs']) =>
      change ? { outputs: [...handOvers, ...outputs], change } : { outputs: handOvers };
    switch (outcome.kind) {
      case 'confirmed': {
        const { rideId, driver, pickupEta, fare } = outcome.event.payload;
        deps.metrics.decided.confirmed.inc();
        deps.metrics.fares.observe(fare.amount);
        context.logger.info(
          { rideId, driverId: driver.id, etaSeconds: pickupEta.seconds, fare, hops: outcome.hops },
          'ride confirmed',
        );
        return decided([outgoing(deps.topics.rideConfirmed, outcome.event)]);
      }
      case 'rejected': {
        const { rideId, reason, detail } = outcome.event.payload;
        deps.metrics.decided.rejected[reason].inc();
        context.logger.info({ rideId, reason, detail, hops: outcome.hops }, 'ride rejected');
        return decided([outgoing(deps.topics.rideRejected, outcome.event)]);
      }
      case 'forwarded': {
        const { request, preferredDriverId, hops } = outcome.event.payload;
        deps.metrics.forwarded.inc();
        context.logger.debug(
          { rideId: request.rideId, to: outcome.to, driverId: preferredDriverId, hops },
          'ride forwarded to the driver’s partition',
        );
        // To the owner's partition number, never by key (ADR 038).
        return decided([outgoing(deps.topics.dispatch, outcome.event, outcome.to)]);
      }
      case 'duplicate': {
        deps.metrics.decided.duplicate.inc();
        context.logger.warn({ rideId: rideIdOf(event) }, 'ride already handled, duplicate ignored');
        return decided([]);
      }
      case 'received': {
        context.logger.info({ driverId: outcome.driverId }, 'driver handed over to this partition');
        return decided([]);
      }
      case 'ignored': {
        context.logger.warn(
          { driverId: outcome.driverId },
          'hand-over of a driver not in this fleet ignored',
        );
        return decided([]);
      }
      default: {
        const unexpected: never = outcome;
        throw new Error(`unexpected outcome ${JSON.stringify(unexpected)}`);
      }
    }
  };

/**
 * The hand-overs of a share, each to its heir's partition number of `dispatch` (never by key),
 * and the one line an operator sees per partition and growth.
 */
const shareOutputs = (
  deps: DecideRideDeps,
  shared: SharedDrivers,
  context: MessageContext,
): Decision<DispatchChange>['outputs'] => {
  const byHeir: Record<number, number> = {};
  for (const { to } of shared.handOvers) byHeir[to] = (byHeir[to] ?? 0) + 1;
  deps.metrics.handedOver.inc(shared.handOvers.length);
  context.logger.info(
    {
      partition: context.partition,
      dealtFor: shared.dealtFor,
      partitions: shared.partitions,
      handedOver: byHeir,
      kept: shared.kept,
    },
    shared.handOvers.length > 0
      ? 'drivers handed to the partitions added by a growth'
      : 'partition count grown: no drivers to hand over from this partition',
  );
  return shared.handOvers.map(({ to, event }) => outgoing(deps.topics.dispatch, event, to));
};

const rideIdOf = (event: TransactionInputEvent): string | undefined =>
  event.type === 'ride.requested'
    ? event.payload.rideId
    : event.type === 'dispatch.forward'
      ? event.payload.request.rideId
      : event.payload.rideId;
