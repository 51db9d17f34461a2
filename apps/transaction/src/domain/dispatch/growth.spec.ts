import type { Coordinates } from '@taxi/events';
import { defaultTariff } from '../pricing';
import {
  decideDispatch,
  evolveDispatch,
  type DispatchState,
  type DriverState,
  type HandOver,
} from './dispatch';
import { heirsOf, shareWithNewPartitions } from './growth';
import { ownershipProblems } from './ownership';

const home: Coordinates = { lat: 40.7306, lng: -73.9352 };
const nowMs = 1_000_000;
const free: DriverState = { busyUntil: 0, position: home };
const busyUntil = nowMs + 60_000;

/** `count` drivers `d0`…, every third one busy. */
const stateOf = (count: number, dealtForPartitions?: number): DispatchState => ({
  drivers: new Map(
    Array.from({ length: count }, (_, i) => [
      `d${i}`,
      i % 3 === 0 ? { busyUntil, position: { ...home, lat: home.lat + i / 1000 } } : free,
    ]),
  ),
  rides: new Map(),
  claims: new Map(),
  ...(dealtForPartitions !== undefined && { dealtForPartitions }),
});

const countBy = (items: readonly { to: number }[]) => {
  const counts = new Map<number, number>();
  for (const { to } of items) counts.set(to, (counts.get(to) ?? 0) + 1);
  return counts;
};

/** A hand-over arriving at its heir, as the decider applies it. */
const receive = (state: DispatchState, message: HandOver, partition: number): DispatchState => {
  const decision = decideDispatch({ kind: 'hand-over', handOver: message }, state, new Map(), {
    partition,
    nowMs,
    maxPickupKm: 25,
    tariff: defaultTariff,
    busyTimeScale: 1,
    policy: { maxHops: 6, minForwardGainKm: 0, claimMs: 0 },
  });
  return evolveDispatch(state, decision.change ?? {});
};

const empty: DispatchState = { drivers: new Map(), rides: new Map(), claims: new Map() };

describe('sharing drivers with the partitions a growth added', () => {
  it('when the count grew from 6 to 12, then partition 2 hands partition 8 every other driver it owns, an equal share ±1, and keeps the rest', () => {
    for (const count of [100, 101]) {
      const share = shareWithNewPartitions(stateOf(count), 2, 12);

      expect(share?.handOvers.every(({ to }) => to === 8)).toBe(true);
      expect(share?.handOvers).toHaveLength(Math.floor(count / 2));
      expect(share?.kept).toBe(Math.ceil(count / 2));
      expect(share?.change).toEqual({
        dealt: {
          partitions: 12,
          released: share?.handOvers.map(({ message }) => message.driverId),
        },
      });
    }
  });

  it('when the count grew from 6 to 24 at once, then partition 2 shares with 8, 14 and 20, a quarter each ±1', () => {
    const share = shareWithNewPartitions(stateOf(103), 2, 24);

    expect(heirsOf(2, 6, 24)).toEqual([8, 14, 20]);
    expect(countBy(share?.handOvers ?? [])).toEqual(
      new Map([
        [8, 26],
        [14, 26],
        [20, 25],
      ]),
    );
    expect(share?.kept).toBe(26);
  });

  it('when busy drivers are shared, then they move with where and until when they are busy, and free ones move too', () => {
    const state = stateOf(6);
    const share = shareWithNewPartitions(state, 0, 12);

    const moved = share?.handOvers.map(({ message }) => message) ?? [];
    expect(moved.map((message) => message.driverId)).toEqual(['d1', 'd3', 'd5']);
    expect(moved.find((message) => message.driverId === 'd3')?.driver).toEqual(
      state.drivers.get('d3'),
    );
    expect(state.drivers.get('d3')?.busyUntil).toBeGreaterThan(nowMs);
    expect(moved.find((message) => message.driverId === 'd1')?.driver.busyUntil).toBe(0);
  });

  it('when the count did not grow, then nothing is shared, whether the partition dealt for the genesis count or for a later one', () => {
    expect(shareWithNewPartitions(stateOf(10), 2, 6)).toBeUndefined();
    expect(shareWithNewPartitions(stateOf(10, 12), 2, 12)).toBeUndefined();
    expect(shareWithNewPartitions(stateOf(10, 12), 8, 12)).toBeUndefined();
  });

  it('when the share is applied, then the drivers handed over are no longer owned, and the next batch at the same count shares nothing', () => {
    const state = stateOf(10);
    const share = shareWithNewPartitions(state, 2, 12);
    const after = evolveDispatch(state, share?.change ?? {});

    expect(after.dealtForPartitions).toBe(12);
    expect([...after.drivers.keys()]).toEqual(['d0', 'd2', 'd4', 'd6', 'd8']);
    expect(shareWithNewPartitions(after, 2, 12)).toBeUndefined();
    expect(state.drivers.size).toBe(10);
  });

  it('when a partition the growth added decides first, then it hands nothing over and records the count, so that the next growth makes it share with its own heirs', () => {
    const share = shareWithNewPartitions(empty, 8, 12);

    expect(heirsOf(8, 6, 12)).toEqual([]);
    expect(share).toMatchObject({ dealtFor: 6, partitions: 12, handOvers: [], kept: 0 });
    expect(evolveDispatch(empty, share?.change ?? {}).dealtForPartitions).toBe(12);
    expect(heirsOf(8, 12, 24)).toEqual([20]);
  });

  it('when the count grows 6 → 12 → 24, then every partition of 2’s line owns a quarter of its drivers ±1, and every driver has exactly one owner', () => {
    const fleetIds = Array.from({ length: 101 }, (_, i) => `d${i}`);
    const states = new Map<number, DispatchState>([[2, stateOf(101)]]);
    const stateAt = (p: number) => states.get(p) ?? empty;
    const grow = (partitions: number, order: readonly number[]) => {
      for (const p of order) {
        const share = shareWithNewPartitions(stateAt(p), p, partitions);
        if (!share) continue;
        states.set(p, evolveDispatch(stateAt(p), share.change));
        // In flight: nobody owns them, the invariant counts them as their heir's.
        const inFlight = share.handOvers.map(({ to, message }) => ({ to, message }));
        expect(ownershipProblems(fleetIds, states, inFlight)).toEqual([]);
        for (const { to, message } of share.handOvers)
          states.set(to, receive(stateAt(to), message, to));
      }
    };

    grow(12, [2, 8]);
    expect([stateAt(2).drivers.size, stateAt(8).drivers.size]).toEqual([51, 50]);
    grow(24, [2, 8, 14, 20]);

    const sizes = [2, 8, 14, 20].map((p) => stateAt(p).drivers.size);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    expect(sizes.reduce((a, b) => a + b)).toBe(101);
    expect(ownershipProblems(fleetIds, states, [])).toEqual([]);
    expect([2, 8, 14, 20].map((p) => stateAt(p).dealtForPartitions)).toEqual([24, 24, 24, 24]);
  });

  it('when a forward asks for a driver this partition just handed to an heir (the view still shows them here), then that driver is ruled out and another chosen', () => {
    const near = { ...home, lat: home.lat + 0.001 };
    const state: DispatchState = {
      drivers: new Map([
        ['handed', { busyUntil: 0, position: near }],
        ['kept', free],
      ]),
      rides: new Map(),
      claims: new Map(),
    };
    const after = evolveDispatch(state, { dealt: { partitions: 12, released: ['handed'] } });
    const staleView = new Map([[2, state.drivers]]);
    const ride = { rideId: 'ride-1', pickup: home, dropoff: near };

    const decision = decideDispatch(
      { kind: 'forward', forward: { ride, hops: 1, preferredDriverId: 'handed', excluded: [] } },
      after,
      staleView,
      {
        partition: 2,
        nowMs,
        maxPickupKm: 25,
        tariff: defaultTariff,
        busyTimeScale: 1,
        policy: { maxHops: 6, minForwardGainKm: 0, claimMs: 0 },
      },
    );

    expect(decision.outcome).toMatchObject({ kind: 'assigned', assignment: { driverId: 'kept' } });
    expect(decision.change?.assigned?.driverId).toBe('kept');
  });
});
