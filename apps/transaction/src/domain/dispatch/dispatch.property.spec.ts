import fc from 'fast-check';
import type { Coordinates } from '@taxi/events';
import { defaultTariff } from '../pricing';
import type { DriverState } from './dispatch';
import {
  applyDispatchChange,
  decideDispatch,
  dispatchDraftOf,
  type DispatchDraft,
  type DispatchInput,
  type DispatchPolicy,
  type HandOver,
} from './dispatch';
import { ownershipProblems } from './ownership';

const center = { lat: 40.7306, lng: -73.9352 };
/** Within ~3 km of the centre, so that a small reach rejects some rides and a large one none. */
const point = fc
  .record({
    north: fc.double({ min: -0.03, max: 0.03, noNaN: true }),
    east: fc.double({ min: -0.03, max: 0.03, noNaN: true }),
  })
  .map(({ north, east }): Coordinates => ({ lat: center.lat + north, lng: center.lng + east }));

type Step =
  | { kind: 'request'; partition: number; pickup: Coordinates; dropoff: Coordinates; again: number }
  | { kind: 'deliver'; pick: number }
  | { kind: 'abort'; pick: number }
  | { kind: 'refresh-view' }
  | { kind: 'tick'; ms: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('request' as const),
    partition: fc.nat(),
    pickup: point,
    dropoff: point,
    // Sometimes a ride already requested is requested again (the duplicate guard's case).
    again: fc.oneof(fc.constant(-1), fc.nat()),
  }),
  fc.record({ kind: fc.constant('deliver' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('deliver' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('abort' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('refresh-view' as const) }),
  fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 20_000 }) }),
);

const world = fc.record({
  partitions: fc.integer({ min: 1, max: 5 }),
  homes: fc.array(point, { minLength: 1, maxLength: 12 }),
  genesisOwner: fc.array(fc.nat(), { minLength: 12, maxLength: 12 }),
  maxHops: fc.integer({ min: 0, max: 3 }),
  handOvers: fc.boolean(),
  claimMs: fc.constantFrom(0, 2_000),
  maxPickupKm: fc.constantFrom(1.5, 25),
  busyTimeScale: fc.constantFrom(0, 0.01, 1),
  steps: fc.array(step, { maxLength: 120 }),
});

type Pending = { readonly to: number; readonly input: DispatchInput };

describe('dispatch ownership (property)', () => {
  it('when any sequence of requests, forwards and hand-overs is delivered in any order, with aborted transactions and a view of any age, then every driver has exactly one owner (a hand-over in flight counts for its destination), no busy driver is assigned, and every ride is decided exactly once', () => {
    fc.assert(
      fc.property(world, (w) => {
        const driverIds = w.homes.map((_, index) => `drv-${index}`);
        const states = new Map<number, DispatchDraft>();
        for (let partition = 0; partition < w.partitions; partition += 1)
          states.set(
            partition,
            dispatchDraftOf({ drivers: new Map(), rides: new Map(), claims: new Map() }),
          );
        w.homes.forEach((home, index) => {
          const owner = (w.genesisOwner[index] ?? 0) % w.partitions;
          states.get(owner)?.drivers.set(`drv-${index}`, { busyUntil: 0, position: home });
        });
        const snapshot = () =>
          new Map([...states].map(([partition, state]) => [partition, new Map(state.drivers)]));
        let view: Map<number, Map<string, DriverState>> = snapshot();
        const policy: DispatchPolicy = {
          maxHops: w.maxHops,
          minForwardGainKm: 0,
          claimMs: w.claimMs,
          ...(w.handOvers
            ? {
                homeOf: (position: Coordinates) =>
                  Math.floor(Math.abs(position.lat * 1e4)) % w.partitions,
              }
            : {}),
        };
        let nowMs = 1_000_000;
        let pending: Pending[] = [];
        const requested: { rideId: string; partition: number; input: DispatchInput }[] = [];
        const finals = new Map<string, number>();

        const decide = (message: Pending) => {
          const state = states.get(message.to);
          if (!state) throw new Error(`no partition ${message.to}`);
          return {
            state,
            decision: decideDispatch(message.input, state, view, {
              partition: message.to,
              nowMs,
              maxPickupKm: w.maxPickupKm,
              tariff: defaultTariff,
              busyTimeScale: w.busyTimeScale,
              policy,
            }),
          };
        };
        const deliver = (index: number) => {
          const [message] = pending.splice(index, 1);
          if (!message) return;
          const { state, decision } = decide(message);
          const { outcome, change, handOver } = decision;
          if (outcome.kind === 'assigned') {
            const driver = state.drivers.get(outcome.assignment.driverId);
            expect(driver).toBeDefined();
            expect(driver?.busyUntil ?? Infinity).toBeLessThanOrEqual(nowMs);
          }
          if (change) applyDispatchChange(state, change);
          if (handOver)
            pending.push({
              to: handOver.to,
              input: { kind: 'hand-over', handOver: handOver.message },
            });
          if (outcome.kind === 'forwarded')
            pending.push({ to: outcome.to, input: { kind: 'forward', forward: outcome.forward } });
          if (outcome.kind === 'assigned' || outcome.kind === 'no-driver') {
            const ride =
              message.input.kind === 'forward'
                ? message.input.forward.ride
                : message.input.kind === 'request'
                  ? message.input.ride
                  : undefined;
            if (ride) finals.set(ride.rideId, (finals.get(ride.rideId) ?? 0) + 1);
          }
        };
        const inFlight = () =>
          pending.flatMap(({ to, input }) =>
            input.kind === 'hand-over' ? [{ to, message: input.handOver as HandOver }] : [],
          );
        const expectWholeFleet = () =>
          expect(ownershipProblems(driverIds, states, inFlight())).toEqual([]);

        for (const next of w.steps) {
          switch (next.kind) {
            case 'request': {
              const earlier =
                next.again >= 0 ? requested[next.again % Math.max(1, requested.length)] : undefined;
              if (earlier) {
                pending.push({ to: earlier.partition, input: earlier.input });
                break;
              }
              const rideId = `ride-${requested.length}`;
              const input: DispatchInput = {
                kind: 'request',
                ride: { rideId, pickup: next.pickup, dropoff: next.dropoff },
              };
              const partition = next.partition % w.partitions;
              requested.push({ rideId, partition, input });
              pending.push({ to: partition, input });
              break;
            }
            case 'deliver':
              if (pending.length > 0) deliver(next.pick % pending.length);
              break;
            case 'abort': {
              // The transaction aborts: nothing it decided is applied, and the input comes again.
              const message = pending[next.pick % Math.max(1, pending.length)];
              if (!message) break;
              const before = structuredClone(states.get(message.to));
              decide(message);
              expect(states.get(message.to)).toEqual(before);
              break;
            }
            case 'refresh-view':
              view = snapshot();
              break;
            case 'tick':
              nowMs += next.ms;
              break;
          }
          expectWholeFleet();
        }
        // Everything in flight arrives; forwarding ends (hop limit, ruled-out drivers).
        for (let guard = 0; pending.length > 0; guard += 1) {
          expect(guard).toBeLessThan(10_000);
          deliver(0);
          expectWholeFleet();
        }
        expect(ownershipProblems(driverIds, states, [])).toEqual([]);
        for (const { rideId } of requested)
          expect([rideId, finals.get(rideId)]).toEqual([rideId, 1]);
        pending = [];
      }),
      { numRuns: 1_500 },
    );
  });
});
