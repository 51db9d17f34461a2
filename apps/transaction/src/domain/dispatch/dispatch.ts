import type { Coordinates, VehicleClass } from '@taxi/events';
import { distanceKm } from '../geo';
import { travelSeconds, type Tariff } from '../pricing';

/**
 * Dispatch across partitions (ADR 038). A partition owns a set of drivers, listed in its state
 * (never derived from the partition count), and decides each ride it receives against its own
 * drivers exactly and every other partition's drivers through a stale, read-only view. When the
 * best driver belongs to another partition, the ride is forwarded there, and only the owner
 * assigns: a driver's state changes in one partition's transaction only.
 */

/** Where a driver is free from, and from when (epoch ms; 0 or past: free now). */
export interface DriverState {
  readonly busyUntil: number;
  readonly position: Coordinates;
}

/** Rides remembered per partition to drop a repeated request; the race it guards lasts ms. */
export const DECIDED_RIDES_KEPT = 256;

/** How a partition last handled a ride: decided it (assigned or rejected), or passed it on. */
export type RideHandling = 'decided' | 'forwarded';

/** One partition's exact state: the drivers it owns, and the rides it decided or passed on last. */
export interface DispatchState {
  readonly drivers: ReadonlyMap<string, DriverState>;
  /**
   * Oldest first. A request for a ride seen here is a duplicate; a forward is one only if the ride
   * was decided here (a ride may come back to a partition that passed it on).
   */
  readonly rides: ReadonlyMap<string, RideHandling>;
  /**
   * Other partitions' drivers this partition forwarded a ride for, until when (epoch ms): the
   * view still shows them free, so the next rides here would chase them too. A hint, never a
   * booking: only the owner assigns.
   */
  readonly claims: ReadonlyMap<string, number>;
  /**
   * For a ride passed on from here: the hop count of that forward. A forward of it arriving with
   * fewer hops is the one this partition already handled, delivered again; a ride that comes back
   * has more. Absent (older states): such a forward is handled again.
   */
  readonly forwardedAtHop?: ReadonlyMap<string, number>;
  /**
   * The partition count this partition last shared its drivers for (growth.ts): after a growth
   * to a multiple of it, it hands the new partitions their share once. Absent (a partition with
   * no snapshot, or a snapshot from before hand-overs were sent): `GENESIS_PARTITIONS`.
   */
  readonly dealtForPartitions?: number;
}

/**
 * The whole fleet as last committed by each partition (its latest `fleet_state` snapshot), keyed
 * by partition. Stale by a commit interval, and only ever a hint: the owner re-checks.
 */
export type FleetView = ReadonlyMap<number, ReadonlyMap<string, DriverState>>;

/** What a dispatch needs to know of a ride. */
export interface RideToDispatch {
  readonly rideId: string;
  readonly pickup: Coordinates;
  readonly dropoff: Coordinates;
  /** Only drivers of this class are sent (with `classOf`); undefined: any driver. */
  readonly vehicleClass?: VehicleClass;
}

/** A ride passed to the partition that owns the driver it should get. */
export interface Forward {
  readonly ride: RideToDispatch;
  /** Forwards so far, this one included. */
  readonly hops: number;
  /** The driver the sender chose; the receiver takes them if they are still free. */
  readonly preferredDriverId: string;
  /** Drivers found taken on the way: never chosen again for this ride, so forwards end. */
  readonly excluded: readonly string[];
}

/** A driver moving to another partition, with where and until when they are busy. */
export interface HandOver {
  readonly driverId: string;
  readonly driver: DriverState;
  /** The ride whose drop-off moved the driver (for logs and tracing); none after a growth. */
  readonly rideId?: string;
}

/** What arrives at a partition: a request (hop 0), a forwarded ride, or a driver handed over. */
export type DispatchInput =
  | { readonly kind: 'request'; readonly ride: RideToDispatch }
  | { readonly kind: 'forward'; readonly forward: Forward }
  | { readonly kind: 'hand-over'; readonly handOver: HandOver };

export interface DispatchPolicy {
  /**
   * Forwards a ride may take. A ride forwarded this many times (0: any ride) is decided with the
   * partition's own drivers, or rejected if none is free: latency stays bounded, and a crowd of
   * rides chasing the last free drivers through a stale view ends in a few hops.
   */
  readonly maxHops: number;
  /** A forward must save at least this many km over the best own driver (0: any saving). */
  readonly minForwardGainKm: number;
  /**
   * How long a driver asked for by a forward is left alone by this partition's next rides: until
   * the view shows the outcome (a hop and a view lag). 0: no claims.
   */
  readonly claimMs: number;
  /**
   * The partition that should own a driver who drops off at `position`; undefined: a driver
   * stays with the partition that assigned them (no hand-overs).
   */
  readonly homeOf?: (position: Coordinates) => number;
}

export interface DispatchContext {
  /** The partition deciding. */
  readonly partition: number;
  readonly nowMs: number;
  /** Farthest a driver is sent to a pickup. */
  readonly maxPickupKm: number;
  readonly tariff: Tariff;
  /** A driver is busy for (pickup + trip time) × this scale. */
  readonly busyTimeScale: number;
  readonly policy: DispatchPolicy;
  /** A driver's vehicle class; undefined (or no function): the driver takes any ride. */
  readonly classOf?: (driverId: string) => VehicleClass | undefined;
}

/** A driver of another class than the ride asks for is never chosen. */
const fits = (ride: RideToDispatch, driverId: string, context: DispatchContext): boolean =>
  ride.vehicleClass === undefined ||
  context.classOf === undefined ||
  context.classOf(driverId) === ride.vehicleClass;

/** A driver assigned by this partition: busy until the drop-off, then free there. */
export interface Assignment {
  readonly driverId: string;
  readonly pickupKm: number;
  readonly tripKm: number;
  readonly busyUntil: number;
}

export type DispatchOutcome =
  | { readonly kind: 'assigned'; readonly assignment: Assignment; readonly hops: number }
  | { readonly kind: 'forwarded'; readonly to: number; readonly forward: Forward }
  /** No free driver within reach here, nor anywhere the view can see. */
  | { readonly kind: 'no-driver'; readonly hops: number }
  /** Already decided or passed on here: nothing to publish, nothing changes. */
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'received' };

/** What deciding changes in the partition's state, applied when its transaction commits. */
export interface DispatchChange {
  /** Remembered so that the same ride arriving again is a duplicate. */
  readonly ride?: {
    readonly rideId: string;
    readonly handling: RideHandling;
    /** Passed on: the hop count of the forward sent. */
    readonly hops?: number;
  };
  /** An own driver set busy until the drop-off and free there (unless handed over). */
  readonly assigned?: { readonly driverId: string } & DriverState;
  /** An own driver leaving with a hand-over published in the same transaction. */
  readonly released?: string;
  /** A driver arriving by hand-over. */
  readonly received?: { readonly driverId: string } & DriverState;
  /** Another partition's driver a ride was forwarded for, left alone here until then. */
  readonly claimed?: { readonly driverId: string; readonly untilMs: number };
  /**
   * Drivers shared with the partitions added by a growth (growth.ts): they leave with hand-overs
   * published in the same transaction, and the partition count is recorded as dealt for.
   */
  readonly dealt?: { readonly partitions: number; readonly released: readonly string[] };
}

export interface DispatchDecision {
  readonly outcome: DispatchOutcome;
  /** A driver to hand over with the outcome, in the same transaction, to partition `to`. */
  readonly handOver?: { readonly to: number; readonly message: HandOver };
  readonly change?: DispatchChange;
}

interface Candidate {
  readonly driverId: string;
  readonly km: number;
  /** The owner as far as the decider knows: itself (exact) or another partition (the view). */
  readonly owner: number;
}

const isFree = (driver: DriverState, nowMs: number) => driver.busyUntil <= nowMs;

const nearestOwn = (
  state: DispatchState,
  ride: RideToDispatch,
  context: DispatchContext,
  excluded: ReadonlySet<string>,
): Candidate | undefined => {
  let best: Candidate | undefined;
  for (const [driverId, driver] of state.drivers) {
    if (!isFree(driver, context.nowMs) || excluded.has(driverId) || !fits(ride, driverId, context))
      continue;
    const km = distanceKm(driver.position, ride.pickup);
    if (km <= context.maxPickupKm && (!best || km < best.km))
      best = { driverId, km, owner: context.partition };
  }
  return best;
};

/** The view's nearest free driver owned elsewhere; drivers this partition owns are known exactly. */
const nearestElsewhere = (
  view: FleetView,
  state: DispatchState,
  ride: RideToDispatch,
  context: DispatchContext,
  excluded: ReadonlySet<string>,
): Candidate | undefined => {
  let best: Candidate | undefined;
  for (const [owner, drivers] of view) {
    if (owner === context.partition) continue;
    for (const [driverId, driver] of drivers) {
      if (
        !isFree(driver, context.nowMs) ||
        excluded.has(driverId) ||
        state.drivers.has(driverId) ||
        (state.claims.get(driverId) ?? 0) > context.nowMs ||
        !fits(ride, driverId, context)
      )
        continue;
      const km = distanceKm(driver.position, ride.pickup);
      if (km <= context.maxPickupKm && (!best || km < best.km)) best = { driverId, km, owner };
    }
  }
  return best;
};

const decided = (ride: RideToDispatch) => ({ rideId: ride.rideId, handling: 'decided' as const });

const assign = (
  ride: RideToDispatch,
  chosen: Candidate,
  hops: number,
  context: DispatchContext,
): DispatchDecision => {
  const tripKm = distanceKm(ride.pickup, ride.dropoff);
  const busySeconds =
    travelSeconds(chosen.km, context.tariff) + travelSeconds(tripKm, context.tariff);
  const busyUntil = context.nowMs + busySeconds * 1000 * context.busyTimeScale;
  const driver: DriverState = { busyUntil, position: ride.dropoff };
  const outcome: DispatchOutcome = {
    kind: 'assigned',
    assignment: { driverId: chosen.driverId, pickupKm: chosen.km, tripKm, busyUntil },
    hops,
  };
  const home = context.policy.homeOf?.(ride.dropoff) ?? context.partition;
  if (home === context.partition)
    return {
      outcome,
      change: { ride: decided(ride), assigned: { driverId: chosen.driverId, ...driver } },
    };
  return {
    outcome,
    handOver: { to: home, message: { driverId: chosen.driverId, driver, rideId: ride.rideId } },
    change: { ride: decided(ride), released: chosen.driverId },
  };
};

/**
 * Decides one input against the partition's exact state and the view of the others, changing
 * nothing: the caller publishes the outcome (and hand-over) and applies `change` with the commit.
 *
 * A ride is assigned the nearest free driver within reach, own (exact) or in the view; an own
 * one is assigned here, another partition's is asked for by forwarding the ride to its owner. A
 * forward names the preferred driver: the receiver takes them if still free, and otherwise rules
 * them out and chooses again. After `maxHops` forwards only own drivers count. A ride is rejected
 * when no driver within reach is free here, nor (before the hop limit) in the view.
 */
export const decideDispatch = (
  input: DispatchInput,
  state: DispatchState,
  view: FleetView,
  context: DispatchContext,
): DispatchDecision => {
  if (input.kind === 'hand-over') {
    const { driverId, driver } = input.handOver;
    return { outcome: { kind: 'received' }, change: { received: { driverId, ...driver } } };
  }
  const { ride, hops, preferredDriverId, excluded } =
    input.kind === 'request'
      ? { ride: input.ride, hops: 0, preferredDriverId: undefined, excluded: [] }
      : input.forward;
  const seen = state.rides.get(ride.rideId);
  if (seen === 'decided' || (seen && input.kind === 'request'))
    return { outcome: { kind: 'duplicate' } };
  // A forward this partition already passed on, delivered again: sending it on again would make
  // two copies of the ride, each decided somewhere.
  if (seen === 'forwarded' && hops < (state.forwardedAtHop?.get(ride.rideId) ?? 0))
    return { outcome: { kind: 'duplicate' } };

  const ruledOut = new Set(excluded);
  if (preferredDriverId !== undefined) {
    const preferred = state.drivers.get(preferredDriverId);
    const km = preferred && distanceKm(preferred.position, ride.pickup);
    if (
      preferred &&
      isFree(preferred, context.nowMs) &&
      fits(ride, preferredDriverId, context) &&
      km !== undefined &&
      km <= context.maxPickupKm
    )
      return assign(
        ride,
        { driverId: preferredDriverId, km, owner: context.partition },
        hops,
        context,
      );
    ruledOut.add(preferredDriverId);
  }

  const { policy } = context;
  const own = nearestOwn(state, ride, context, ruledOut);
  const elsewhere =
    hops < policy.maxHops ? nearestElsewhere(view, state, ride, context, ruledOut) : undefined;
  const forwardSaves = (other: Candidate) => !own || other.km + policy.minForwardGainKm < own.km;
  if (elsewhere && forwardSaves(elsewhere)) {
    const forward: Forward = {
      ride,
      hops: hops + 1,
      preferredDriverId: elsewhere.driverId,
      excluded: [...ruledOut],
    };
    return {
      outcome: { kind: 'forwarded', to: elsewhere.owner, forward },
      change: {
        ride: { rideId: ride.rideId, handling: 'forwarded', hops: hops + 1 },
        ...(policy.claimMs > 0
          ? { claimed: { driverId: elsewhere.driverId, untilMs: context.nowMs + policy.claimMs } }
          : {}),
      },
    };
  }
  if (own) return assign(ride, own, hops, context);
  return { outcome: { kind: 'no-driver', hops }, change: { ride: decided(ride) } };
};

/** Claims that ended this long before the newest one are forgotten. */
const CLAIMS_KEPT_MS = 60_000;

/** A copy of a partition's state that changes in place: one transaction's working state. */
export interface DispatchDraft extends DispatchState {
  readonly drivers: Map<string, DriverState>;
  readonly rides: Map<string, RideHandling>;
  readonly claims: Map<string, number>;
  readonly forwardedAtHop: Map<string, number>;
  dealtForPartitions?: number;
}

export const dispatchDraftOf = (state: DispatchState): DispatchDraft => ({
  drivers: new Map(state.drivers),
  rides: new Map(state.rides),
  claims: new Map(state.claims),
  forwardedAtHop: new Map(state.forwardedAtHop),
  ...(state.dealtForPartitions !== undefined && { dealtForPartitions: state.dealtForPartitions }),
});

/** Applies a change to a draft in place, forgetting the oldest decided rides beyond `keep`. */
export const applyDispatchChange = (
  draft: DispatchDraft,
  change: DispatchChange,
  keep = DECIDED_RIDES_KEPT,
): void => {
  if (change.ride) {
    // Deleted first, so a ride handled again moves to the newest end.
    const { rideId, handling, hops } = change.ride;
    draft.rides.delete(rideId);
    draft.rides.set(rideId, handling);
    if (handling === 'forwarded' && hops !== undefined) draft.forwardedAtHop.set(rideId, hops);
    else draft.forwardedAtHop.delete(rideId);
    for (const oldest of draft.rides.keys()) {
      if (draft.rides.size <= keep) break;
      draft.rides.delete(oldest);
      draft.forwardedAtHop.delete(oldest);
    }
  }
  const { assigned, released, received, claimed, dealt } = change;
  if (dealt) {
    for (const driverId of dealt.released) draft.drivers.delete(driverId);
    draft.dealtForPartitions = dealt.partitions;
  }
  if (claimed) {
    // Claims are made in time order, so the oldest come first: those over are dropped.
    draft.claims.delete(claimed.driverId);
    draft.claims.set(claimed.driverId, claimed.untilMs);
    for (const [driverId, untilMs] of draft.claims) {
      if (untilMs > claimed.untilMs - CLAIMS_KEPT_MS) break;
      draft.claims.delete(driverId);
    }
  }
  if (assigned)
    draft.drivers.set(assigned.driverId, {
      busyUntil: assigned.busyUntil,
      position: assigned.position,
    });
  if (released !== undefined) draft.drivers.delete(released);
  if (received)
    draft.drivers.set(received.driverId, {
      busyUntil: received.busyUntil,
      position: received.position,
    });
};

/** Applies a change; the input state is left as it was (an aborted transaction discards the result). */
export const evolveDispatch = (
  state: DispatchState,
  change: DispatchChange,
  keep = DECIDED_RIDES_KEPT,
): DispatchState => {
  const next = dispatchDraftOf(state);
  applyDispatchChange(next, change, keep);
  return next;
};
