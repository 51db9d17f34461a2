import type { Coordinates } from '@taxi/events';
import { distanceKm } from '../geo';
import { defaultTariff, travelSeconds } from '../pricing';
import type { DriverState } from './dispatch';
import {
  decideDispatch,
  evolveDispatch,
  type DispatchContext,
  type DispatchInput,
  type DispatchPolicy,
  type DispatchState,
  type FleetView,
  type RideToDispatch,
} from './dispatch';

const pickup = { lat: 40.7306, lng: -73.9352 };
/** `km` north of the pickup (one degree of latitude is about 111.2 km). */
const north = (km: number): Coordinates => ({ lat: pickup.lat + km / 111.2, lng: pickup.lng });
const dropoff = north(-5);
const ride: RideToDispatch = { rideId: 'ride-1', pickup, dropoff };
const nowMs = 1_000_000;

const free = (position: Coordinates): DriverState => ({ busyUntil: 0, position });
const busy = (position: Coordinates): DriverState => ({ busyUntil: nowMs + 1, position });

const stateOf = (drivers: Record<string, DriverState>): DispatchState => ({
  drivers: new Map(Object.entries(drivers)),
  rides: new Map(),
  claims: new Map(),
});
const viewOf = (partitions: Record<number, Record<string, DriverState>>): FleetView =>
  new Map(
    Object.entries(partitions).map(([partition, drivers]) => [
      Number(partition),
      new Map(Object.entries(drivers)),
    ]),
  );

const forwarding: DispatchPolicy = { maxHops: 6, minForwardGainKm: 0, claimMs: 0 };
const contextAt = (partition: number, policy: DispatchPolicy = forwarding): DispatchContext => ({
  partition,
  nowMs,
  maxPickupKm: 25,
  tariff: defaultTariff,
  busyTimeScale: 1,
  policy,
});
const request: DispatchInput = { kind: 'request', ride };
const forwardOf = (
  preferredDriverId: string,
  hops = 1,
  excluded: string[] = [],
): DispatchInput => ({
  kind: 'forward',
  forward: { ride, hops, preferredDriverId, excluded },
});

describe('decideDispatch', () => {
  it('when an own free driver is the nearest anywhere, then they are assigned here, busy until the drop-off and free there afterwards', () => {
    const state = stateOf({ near: free(north(1)), far: free(north(4)) });
    const view = viewOf({ 1: { other: free(north(2)) } });

    const decision = decideDispatch(request, state, view, contextAt(0));

    const tripKm = distanceKm(pickup, dropoff);
    const busyUntil =
      nowMs +
      (travelSeconds(distanceKm(north(1), pickup), defaultTariff) +
        travelSeconds(tripKm, defaultTariff)) *
        1000;
    expect(decision.outcome).toEqual({
      kind: 'assigned',
      assignment: { driverId: 'near', pickupKm: distanceKm(north(1), pickup), tripKm, busyUntil },
      hops: 0,
    });
    expect(decision.change).toEqual({
      ride: { rideId: 'ride-1', handling: 'decided' },
      assigned: { driverId: 'near', busyUntil, position: dropoff },
    });
    expect(decision.handOver).toBeUndefined();
  });

  it('when the view shows a nearer free driver of another partition, then the ride is forwarded to that partition naming the driver, and no driver changes here', () => {
    const state = stateOf({ far: free(north(4)) });
    const view = viewOf({ 0: { far: free(north(4)) }, 2: { near: free(north(1)) } });

    const decision = decideDispatch(request, state, view, contextAt(0));

    expect(decision.outcome).toEqual({
      kind: 'forwarded',
      to: 2,
      forward: { ride, hops: 1, preferredDriverId: 'near', excluded: [] },
    });
    expect(decision.change).toEqual({ ride: { rideId: 'ride-1', handling: 'forwarded', hops: 1 } });
  });

  it('when a forward arrives and its preferred driver is still free here, then that driver is assigned', () => {
    const state = stateOf({ near: free(north(1)), nearer: free(north(0.5)) });

    const decision = decideDispatch(forwardOf('near'), state, viewOf({}), contextAt(2));

    expect(decision.outcome).toMatchObject({
      kind: 'assigned',
      assignment: { driverId: 'near' },
      hops: 1,
    });
  });

  it('when a forward arrives and its preferred driver was taken meanwhile, then that driver is ruled out and the next best is asked for', () => {
    const state = stateOf({ near: busy(north(1)) });
    const view = viewOf({ 2: { near: free(north(1)) }, 3: { next: free(north(2)) } });

    const decision = decideDispatch(forwardOf('near'), state, view, contextAt(2));

    expect(decision.outcome).toEqual({
      kind: 'forwarded',
      to: 3,
      forward: { ride, hops: 2, preferredDriverId: 'next', excluded: ['near'] },
    });
  });

  it('when a forward arrives whose preferred driver was handed over elsewhere, then a driver the sender ruled out is never chosen again', () => {
    const state = stateOf({ ruledOut: free(north(0.5)), own: free(north(3)) });

    const decision = decideDispatch(
      forwardOf('gone', 2, ['ruledOut']),
      state,
      viewOf({}),
      contextAt(2),
    );

    expect(decision.outcome).toMatchObject({ kind: 'assigned', assignment: { driverId: 'own' } });
  });

  it('when a ride has been forwarded as often as the limit allows, then only own drivers count, though the view shows a nearer one', () => {
    const state = stateOf({ own: free(north(6)) });
    const view = viewOf({ 1: { near: free(north(1)) } });

    const decision = decideDispatch(forwardOf('taken', 6), state, view, contextAt(0));

    expect(decision.outcome).toMatchObject({
      kind: 'assigned',
      assignment: { driverId: 'own' },
      hops: 6,
    });
  });

  it('when no driver within reach is free here or in the view, then the ride gets no driver', () => {
    const state = stateOf({ own: busy(north(1)), tooFar: free(north(30)) });
    const view = viewOf({ 1: { other: busy(north(1)), alsoTooFar: free(north(26)) } });

    const decision = decideDispatch(request, state, view, contextAt(0));

    expect(decision.outcome).toEqual({ kind: 'no-driver', hops: 0 });
    expect(decision.change).toEqual({ ride: { rideId: 'ride-1', handling: 'decided' } });
  });

  it('when forwarding is off (a hop limit of 0, ADR 008), then the view is never used', () => {
    const state = stateOf({ own: free(north(8)) });
    const view = viewOf({ 1: { near: free(north(1)) } });
    const noForward = { maxHops: 0, minForwardGainKm: 0, claimMs: 0 };

    const withOwn = decideDispatch(request, state, view, contextAt(0, noForward));
    const withoutOwn = decideDispatch(request, stateOf({}), view, contextAt(0, noForward));

    expect(withOwn.outcome).toMatchObject({ kind: 'assigned', assignment: { driverId: 'own' } });
    expect(withoutOwn.outcome).toEqual({ kind: 'no-driver', hops: 0 });
  });

  it('when a forward would save less than the minimum gain, then the own driver is assigned', () => {
    const state = stateOf({ own: free(north(1.2)) });
    const view = viewOf({ 1: { near: free(north(1)) } });

    const decision = decideDispatch(
      request,
      state,
      view,
      contextAt(0, { maxHops: 6, minForwardGainKm: 0.5, claimMs: 0 }),
    );

    expect(decision.outcome).toMatchObject({ kind: 'assigned', assignment: { driverId: 'own' } });
  });

  it('when a ride was just forwarded for a driver, then the next ride here leaves that driver alone until the claim ends, though the view still shows them free', () => {
    const policy = { ...forwarding, claimMs: 1_000 };
    const view = viewOf({ 1: { near: free(north(1)) }, 2: { next: free(north(2)) } });
    const first = decideDispatch(request, stateOf({}), view, contextAt(0, policy));
    const after = evolveDispatch(stateOf({}), first.change ?? {});
    const second: DispatchInput = { kind: 'request', ride: { ...ride, rideId: 'ride-2' } };

    const meanwhile = decideDispatch(second, after, view, contextAt(0, policy));
    const later = decideDispatch(second, after, view, {
      ...contextAt(0, policy),
      nowMs: nowMs + 1_000,
    });

    expect(first.change?.claimed).toEqual({ driverId: 'near', untilMs: nowMs + 1_000 });
    expect(meanwhile.outcome).toMatchObject({ kind: 'forwarded', to: 2 });
    expect(later.outcome).toMatchObject({ kind: 'forwarded', to: 1 });
  });

  it('when the stale view still lists an own driver under another partition, then the exact state decides and nothing is forwarded for them', () => {
    const state = stateOf({ arrived: busy(north(1)) });
    const view = viewOf({ 1: { arrived: free(north(1)) } });

    const decision = decideDispatch(request, state, view, contextAt(0));

    expect(decision.outcome).toEqual({ kind: 'no-driver', hops: 0 });
  });

  it('when the drop-off belongs to another partition, then the driver leaves this one with a hand-over saying until when and where they are busy', () => {
    const state = stateOf({ near: free(north(1)) });
    const policy = {
      ...forwarding,
      homeOf: (position: Coordinates) => (position === dropoff ? 4 : 0),
    };

    const decision = decideDispatch(request, state, viewOf({}), contextAt(0, policy));

    if (decision.outcome.kind !== 'assigned') throw new Error('expected assigned');
    const { busyUntil } = decision.outcome.assignment;
    expect(decision.handOver).toEqual({
      to: 4,
      message: { driverId: 'near', driver: { busyUntil, position: dropoff }, rideId: 'ride-1' },
    });
    expect(decision.change).toEqual({
      ride: { rideId: 'ride-1', handling: 'decided' },
      released: 'near',
    });
  });

  it('when a hand-over arrives, then the driver is owned here from then on, busy as they were', () => {
    const driver = busy(dropoff);
    const input: DispatchInput = {
      kind: 'hand-over',
      handOver: { driverId: 'moved', driver, rideId: 'ride-0' },
    };

    const decision = decideDispatch(input, stateOf({}), viewOf({}), contextAt(4));
    const after = evolveDispatch(stateOf({}), decision.change ?? {});

    expect(decision.outcome).toEqual({ kind: 'received' });
    expect(after.drivers.get('moved')).toEqual(driver);
  });

  it('when the same request arrives again, then it is a duplicate that changes nothing, whether it was decided or passed on', () => {
    const decided = evolveDispatch(stateOf({}), {
      ride: { rideId: 'ride-1', handling: 'decided' },
    });
    const passedOn = evolveDispatch(stateOf({}), {
      ride: { rideId: 'ride-1', handling: 'forwarded' },
    });

    expect(decideDispatch(request, decided, viewOf({}), contextAt(0))).toEqual({
      outcome: { kind: 'duplicate' },
    });
    expect(decideDispatch(request, passedOn, viewOf({}), contextAt(0))).toEqual({
      outcome: { kind: 'duplicate' },
    });
  });

  it('when a forward comes back to a partition that passed the ride on, then it is decided there, and a forward of a ride already decided is a duplicate', () => {
    const own = { near: free(north(1)) };
    const passedOn = evolveDispatch(stateOf(own), {
      ride: { rideId: 'ride-1', handling: 'forwarded' },
    });
    const decided = evolveDispatch(stateOf(own), {
      ride: { rideId: 'ride-1', handling: 'decided' },
    });

    const back = decideDispatch(forwardOf('near', 2), passedOn, viewOf({}), contextAt(0));
    const again = decideDispatch(forwardOf('near', 2), decided, viewOf({}), contextAt(0));

    expect(back.outcome).toMatchObject({ kind: 'assigned', assignment: { driverId: 'near' } });
    expect(again.outcome).toEqual({ kind: 'duplicate' });
  });

  it('when a forward this partition passed on is delivered again, then it is a duplicate (sending it on again would make two copies of the ride), and one that came back with more hops is not', () => {
    const own = { near: free(north(1)) };
    // Received with 2 hops, sent on with 3.
    const passedOn = evolveDispatch(stateOf(own), {
      ride: { rideId: 'ride-1', handling: 'forwarded', hops: 3 },
    });

    const again = decideDispatch(forwardOf('elsewhere', 2), passedOn, viewOf({}), contextAt(0));
    const back = decideDispatch(forwardOf('near', 4), passedOn, viewOf({}), contextAt(0));

    expect(again).toEqual({ outcome: { kind: 'duplicate' } });
    expect(back.outcome).toMatchObject({ kind: 'assigned', assignment: { driverId: 'near' } });
    expect(evolveDispatch(passedOn, back.change ?? {}).forwardedAtHop?.has('ride-1')).toBe(false);
  });

  it('when a decision is made, then the state it was made against is unchanged, and evolving returns a new state', () => {
    const state = stateOf({ near: free(north(1)) });
    const before = structuredClone(state);

    const decision = decideDispatch(request, state, viewOf({}), contextAt(0));
    const after = evolveDispatch(state, decision.change ?? {});

    expect(state).toEqual(before);
    expect(after.drivers.get('near')?.position).toEqual(dropoff);
    expect(after.rides.get('ride-1')).toBe('decided');
  });

  it('when more rides than the guard keeps were handled, then the oldest are forgotten first', () => {
    const state = ['a', 'b', 'c', 'd'].reduce(
      (current, rideId) => evolveDispatch(current, { ride: { rideId, handling: 'decided' } }, 3),
      stateOf({}),
    );

    expect([...state.rides.keys()]).toEqual(['b', 'c', 'd']);
  });
});
