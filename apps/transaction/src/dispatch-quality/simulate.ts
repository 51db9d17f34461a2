import type { Driver } from '../domain/fleet';
import { distanceKm } from '../domain/geo';
import type { Tariff } from '../domain/pricing';
import type { DriverState } from '../domain/dispatch/dispatch';
import {
  applyDispatchChange,
  decideDispatch,
  dispatchDraftOf,
  type DispatchDraft,
  type DispatchInput,
  type HandOver,
} from '../domain/dispatch/dispatch';
import { genesisState, ownershipProblems } from '../domain/dispatch/ownership';
import type { SimRequest } from './demand';
import type { Design } from './designs';

export interface SimSettings {
  readonly partitions: number;
  /** The view shows each partition's state as committed this long ago (a fetch interval). */
  readonly viewLagMs: number;
  /** A forward or hand-over reaches its partition this long after it was sent (one commit). */
  readonly hopDelayMs: number;
  readonly maxPickupKm: number;
  readonly tariff: Tariff;
  readonly busyTimeScale: number;
  /** Check the ownership invariant after every input (slow: for tests). */
  readonly checkOwnership?: boolean;
}

/** How one ride ended. */
export interface RideResult {
  readonly rideId: string;
  /** The partition its request landed on. */
  readonly arrivedAt: number;
  readonly assigned: boolean;
  readonly pickupKm?: number;
  readonly driverId?: string;
  readonly hops: number;
  /**
   * Rejected while a driver within reach was free somewhere (owned, or in a hand-over) whom no
   * forward in flight was already heading for: a driver the oracle would have had for this ride.
   */
  readonly falseRejection: boolean;
}

export interface SimResult {
  readonly rides: readonly RideResult[];
  /** Inputs each partition processed: requests, forwards, hand-overs. */
  readonly requestsPerPartition: readonly number[];
  readonly inputsPerPartition: readonly number[];
  readonly forwards: number;
  /** Forwards whose preferred driver was no longer free when they arrived (a stale view). */
  readonly staleForwards: number;
  readonly handOvers: number;
  readonly duplicates: number;
  /** Ownership problems seen (checked after every input when `checkOwnership`, else at the end). */
  readonly ownershipProblems: number;
  /** Assignments of a driver who was busy at that moment (must be 0). */
  readonly busyAssignments: number;
}

type Delivery = { readonly atMs: number; readonly to: number; readonly input: DispatchInput };
type ViewChange = {
  readonly atMs: number;
  readonly partition: number;
  readonly driverId: string;
  readonly driver?: DriverState;
};

/** Items queued in time order, taken from the front without shifting the array. */
class Queue<T extends { readonly atMs: number }> {
  private items: T[] = [];
  private head = 0;
  push(item: T) {
    this.items.push(item);
  }
  peek(): T | undefined {
    return this.items[this.head];
  }
  take(): T | undefined {
    const item = this.items[this.head];
    this.head += 1;
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
  get pending(): readonly T[] {
    return this.items.slice(this.head);
  }
}

/**
 * Replays a request stream against a design at a partition count, as the real services would run
 * it: each partition decides with `decideDispatch` against its exact state and a view of every
 * partition's state `viewLagMs` old; forwards and hand-overs reach their partition `hopDelayMs`
 * later. Deciding itself takes no time. Deterministic: the same inputs give the same result.
 */
export const simulate = (
  fleet: readonly Driver[],
  requests: readonly SimRequest[],
  design: Design,
  settings: SimSettings,
): SimResult => {
  const { partitions } = settings;
  const deal = design.genesis(partitions);
  const policy = design.policy(partitions);
  const states = new Map<number, DispatchDraft>();
  const view = new Map<number, Map<string, DriverState>>();
  for (let partition = 0; partition < partitions; partition += 1) {
    const state = dispatchDraftOf(genesisState(fleet, partition, deal));
    states.set(partition, state);
    view.set(partition, new Map(state.drivers));
  }
  const viewChanges = new Queue<ViewChange>();
  const deliveries = new Queue<Delivery>();
  const requestsPerPartition = new Array<number>(partitions).fill(0);
  const inputsPerPartition = new Array<number>(partitions).fill(0);
  const results: RideResult[] = [];
  const arrivedAt = new Map<string, number>();
  const fleetIds = fleet.map((driver) => driver.id);
  let forwards = 0;
  let staleForwards = 0;
  let handOvers = 0;
  let duplicates = 0;
  let problems = 0;
  let busyAssignments = 0;

  const advanceView = (nowMs: number) => {
    for (let change = viewChanges.peek(); change; change = viewChanges.peek()) {
      if (change.atMs > nowMs - settings.viewLagMs) return;
      viewChanges.take();
      const drivers = view.get(change.partition);
      if (!drivers) continue;
      if (change.driver) drivers.set(change.driverId, change.driver);
      else drivers.delete(change.driverId);
    }
  };

  const freeSomewhere = (pickup: SimRequest['pickup'], nowMs: number): boolean => {
    const claimed = new Set(
      deliveries.pending.flatMap(({ input }) =>
        input.kind === 'forward' ? [input.forward.preferredDriverId] : [],
      ),
    );
    const reachable = (driverId: string, driver: DriverState) =>
      driver.busyUntil <= nowMs &&
      !claimed.has(driverId) &&
      distanceKm(driver.position, pickup) <= settings.maxPickupKm;
    for (const state of states.values())
      for (const [driverId, driver] of state.drivers) if (reachable(driverId, driver)) return true;
    return deliveries.pending.some(
      ({ input }) =>
        input.kind === 'hand-over' && reachable(input.handOver.driverId, input.handOver.driver),
    );
  };

  const inFlightHandOvers = () =>
    deliveries.pending.flatMap(({ to, input }) =>
      input.kind === 'hand-over' ? [{ to, message: input.handOver as HandOver }] : [],
    );

  const process = (partition: number, input: DispatchInput, nowMs: number) => {
    advanceView(nowMs);
    inputsPerPartition[partition] = (inputsPerPartition[partition] ?? 0) + 1;
    const state = states.get(partition);
    if (!state) throw new Error(`no partition ${partition}`);
    if (input.kind === 'forward') {
      const preferred = state.drivers.get(input.forward.preferredDriverId);
      if (!preferred || preferred.busyUntil > nowMs) staleForwards += 1;
    }
    const decision = decideDispatch(input, state, view, {
      partition,
      nowMs,
      maxPickupKm: settings.maxPickupKm,
      tariff: settings.tariff,
      busyTimeScale: settings.busyTimeScale,
      policy,
    });
    const { outcome, change, handOver } = decision;
    if (outcome.kind === 'assigned') {
      const driver = state.drivers.get(outcome.assignment.driverId);
      if (!driver || driver.busyUntil > nowMs) busyAssignments += 1;
    }
    if (change) {
      applyDispatchChange(state, change);
      for (const driverId of [
        change.assigned?.driverId,
        change.released,
        change.received?.driverId,
      ])
        if (driverId !== undefined)
          viewChanges.push({
            atMs: nowMs,
            partition,
            driverId,
            driver: state.drivers.get(driverId),
          });
    }
    if (handOver) {
      handOvers += 1;
      deliveries.push({
        atMs: nowMs + settings.hopDelayMs,
        to: handOver.to,
        input: { kind: 'hand-over', handOver: handOver.message },
      });
    }
    switch (outcome.kind) {
      case 'forwarded':
        forwards += 1;
        deliveries.push({
          atMs: nowMs + settings.hopDelayMs,
          to: outcome.to,
          input: { kind: 'forward', forward: outcome.forward },
        });
        break;
      case 'assigned':
      case 'no-driver': {
        const ride =
          input.kind === 'forward'
            ? input.forward.ride
            : input.kind === 'request'
              ? input.ride
              : undefined;
        if (!ride) break;
        const assigned = outcome.kind === 'assigned';
        results.push({
          rideId: ride.rideId,
          arrivedAt: arrivedAt.get(ride.rideId) ?? partition,
          assigned,
          hops: outcome.hops,
          ...(assigned
            ? { pickupKm: outcome.assignment.pickupKm, driverId: outcome.assignment.driverId }
            : {}),
          falseRejection: !assigned && freeSomewhere(ride.pickup, nowMs),
        });
        break;
      }
      case 'duplicate':
        duplicates += 1;
        break;
      case 'received':
        break;
      default: {
        const unexpected: never = outcome;
        throw new Error(`unexpected outcome ${JSON.stringify(unexpected)}`);
      }
    }
    if (settings.checkOwnership)
      problems += ownershipProblems(fleetIds, states, inFlightHandOvers()).length;
  };

  let next = 0;
  for (;;) {
    const request = requests[next];
    const delivery = deliveries.peek();
    if (!request && !delivery) break;
    // At the same moment, what was sent earlier arrives first.
    if (delivery && (!request || delivery.atMs <= request.atMs)) {
      deliveries.take();
      process(delivery.to, delivery.input, delivery.atMs);
      continue;
    }
    if (!request) break;
    next += 1;
    const partition = design.partitionOf(request, partitions);
    arrivedAt.set(request.rideId, partition);
    requestsPerPartition[partition] = (requestsPerPartition[partition] ?? 0) + 1;
    process(partition, { kind: 'request', ride: request }, request.atMs);
  }
  if (!settings.checkOwnership) problems = ownershipProblems(fleetIds, states, []).length;

  return {
    rides: results,
    requestsPerPartition,
    inputsPerPartition,
    forwards,
    staleForwards,
    handOvers,
    duplicates,
    ownershipProblems: problems,
    busyAssignments,
  };
};
