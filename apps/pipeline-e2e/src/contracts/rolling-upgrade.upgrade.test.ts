import { loadavg } from 'node:os';
import { topicsFor } from '@taxi/events';
import { collect, type Collector } from '@taxi/kafka/testing';
import {
  buildRelease,
  commitBefore,
  exactlyOnce,
  recordFigures,
  settleAndCount,
  SteadyLoad,
  workspaceRoot,
  type Release,
  type ServiceName,
  type ServiceProcess,
} from '@taxi/stack-harness';
import { faultSuite, FAULT_TEST_TIMEOUT_MS, fastFailover } from '../support/fault-suite';

// Issue 25: a rolling upgrade, for real. The services of the commit before the vehicle class
// (N−1, built from git once and cached) and of the working tree (N) run side by side in the same
// consumer groups under a steady request rate, two instances of each; every instance of rides,
// email and analytics is replaced one at a time by N, then every one back by N−1. N writes fields
// N−1 does not know: vehicleClass on ride.requested and ride.confirmed, each driver's class in the
// fleet snapshots, counts by class in the analytics snapshots. Counted as the fault tests count.
//
// transaction is not rolled: N writes fleet_state 2, a new major (driver ownership, ADR 038), and
// dispatches co-partitioned (its own assigner and transactional ids `<prefix>-<p>`), so N−1 and N
// cannot share its group (INCONSISTENT_GROUP_PROTOCOL) nor its state (N−1 refuses fleet_state 2
// as unsupported_version). ADR 040: a new major is no mixed rollout, so it is upgraded by
// recreate: every N−1 instance stops gracefully, then the N instances start, and the rides
// accepted meanwhile wait in ride_details. It is not rolled back: ADR 038, a rollback past
// fleet_state 2 needs the fleet idle, which a test under steady load is not; N−1 would stop on
// every partition N wrote: its codec refuses a major it does not know as unsupported_version
// (libs/events codec.spec.ts).
// Run by `npm run test:upgrade` (tools/test-infra/rolling-upgrade.sh), which first makes sure this
// clone has N−1 (a shallow clone is deepened, else the step says why it skipped).

/**
 * The change the upgrade ships: N−1 is the commit before it, N the working tree. rolling-upgrade.sh
 * looks for the same change: move both together.
 */
const CHANGE = { file: 'libs/events/src/rides.ts', text: 'export const vehicleClassSchema' };
const INSTANCES = 2;
/** Rolled in this order, forward and back: the writer of requests first, so that N−1 readers
 * meet N's fields at once. transaction is recreated after rides, on the way forward only. */
const ROLLED: ServiceName[] = ['rides', 'email', 'analytics'];
const ORDER: ServiceName[] = ['rides', 'transaction', 'email', 'analytics'];
const RIDES_PER_SECOND = 5;
/** Rides accepted after each replacement before the next one: each step is under load. */
const RIDES_PER_STEP = 10;
/**
 * Drivers stay busy for their trip's real duration (longer than the test), so a driver confirmed
 * twice is a driver booked twice; 400 per partition, more than the rides a partition gets here.
 */
const FLEET = { FLEET_SIZE: '2400', DRIVER_BUSY_TIME_SCALE: '1' };

type Json = Record<string, unknown>;
const json = (value: Buffer | null): Json => JSON.parse(value?.toString() ?? 'null') as Json;
const payloadOf = (value: Buffer | null) => json(value)['payload'] as Json;

/**
 * Snapshots (one changelog, by key) where N's field was written and the latest no longer has it:
 * an N−1 that restored N's snapshot and dropped the field. Also how many keys N wrote it on.
 */
const fieldsDropped = (changelog: Collector, has: (payload: Json) => boolean) => {
  const byKey = new Map<string, { everHad: boolean; latest: Json }>();
  for (const { key, value } of changelog.records) {
    const payload = payloadOf(value);
    const name = key?.toString() ?? '';
    byKey.set(name, {
      everHad: (byKey.get(name)?.everHad ?? false) || has(payload),
      latest: payload,
    });
  }
  const written = [...byKey].filter(([, { everHad }]) => everHad);
  return {
    keysWithField: written.length,
    dropped: written.filter(([, { latest }]) => !has(latest)).map(([key]) => key),
  };
};

describe('a rolling upgrade from the commit before the vehicle class to the working tree, and back', () => {
  let previous: Release;
  const current: Release = { commit: 'working tree', root: workspaceRoot };
  const suite = faultSuite(async () => {
    previous = await buildRelease(await commitBefore(CHANGE.file, CHANGE.text));
    return {
      release: previous.root,
      env: {
        transaction: { ...fastFailover, ...FLEET },
        email: fastFailover,
        analytics: fastFailover,
      },
    };
  });
  const live = {} as Record<ServiceName, ServiceProcess[]>;
  const collectors: Collector[] = [];

  beforeAll(async () => {
    const { stack } = suite;
    for (const name of ORDER) {
      live[name] = [stack.services[name]];
      while (live[name].length < INSTANCES) live[name].push(await stack.addInstance(name));
    }
  }, FAULT_TEST_TIMEOUT_MS);
  afterAll(() => Promise.all(collectors.map((collector) => collector.stop())));

  it(
    'when each rides, email and analytics instance is replaced by N one at a time under a steady load and transaction is recreated as N, then each rolled one by N−1 again, then every ride is decided, emailed and counted once, none is dead-lettered, no driver is booked twice, and what N added survives N−1',
    async () => {
      const { stack, kafka, outcomes } = suite;
      const names = topicsFor(stack.prefix);
      const follow = async (contract: { name: string }) => {
        const collector = await collect(kafka, [contract.name]);
        collectors.push(collector);
        return collector;
      };
      const requests = await follow(names.rideRequested);
      const confirmations = await follow(names.rideConfirmed);
      const fleetSnapshots = await follow(names.fleetState);
      const analyticsSnapshots = await follow(names.analyticsState);
      // Requests go to the rides instances in turn; one being replaced is out of the turn.
      let turn = 0;
      const ridesUrl = () => {
        const instances = live.rides;
        const instance = instances[turn++ % instances.length];
        return `http://127.0.0.1:${instance?.port}`;
      };
      const load = SteadyLoad.start(ridesUrl, RIDES_PER_SECOND, 'upgrade');
      const exits: (number | null)[] = [];
      const steps: { step: string; seconds: number }[] = [];

      const labelOf = (by: Release) => (by === current ? 'N' : 'N−1');
      const rollEach = async (name: ServiceName, by: Release) => {
        for (let index = 0; index < INSTANCES; index += 1) {
          const startedAt = Date.now();
          const old = live[name][index] as ServiceProcess;
          const fresh = await stack.addInstance(name, { release: by.root });
          live[name][index] = fresh;
          exits.push(await old.stop('SIGTERM'));
          await load.acceptedMore(RIDES_PER_STEP);
          steps.push({
            step: `${name} #${index + 1} → ${labelOf(by)}`,
            seconds: (Date.now() - startedAt) / 1000,
          });
        }
      };
      // Every old instance leaves the group (SIGTERM: batches in hand committed) before a new one
      // joins: the group is empty when the new protocol and transactional ids arrive.
      const recreate = async (name: ServiceName, by: Release) => {
        const startedAt = Date.now();
        exits.push(...(await Promise.all(live[name].map((old) => old.stop('SIGTERM')))));
        live[name] = [];
        while (live[name].length < INSTANCES)
          live[name].push(await stack.addInstance(name, { release: by.root }));
        await load.acceptedMore(RIDES_PER_STEP);
        steps.push({
          step: `${name} recreated as ${labelOf(by)}`,
          seconds: (Date.now() - startedAt) / 1000,
        });
      };

      await load.acceptedMore(RIDES_PER_STEP);
      for (const name of ORDER)
        await (name === 'transaction' ? recreate(name, current) : rollEach(name, current));
      for (const name of ROLLED) await rollEach(name, previous);
      const sent = await load.stop();
      stack.ports.analytics = live.analytics[0]?.port as number;
      const counts = await settleAndCount(stack, kafka, outcomes, sent.accepted);

      const booked = new Map<string, number>();
      for (const driver of outcomes.driversConfirmed())
        booked.set(driver, (booked.get(driver) ?? 0) + 1);
      const doubleBooked = [...booked].filter(([, times]) => times > 1);
      // vehicleClass of each request that had one (those N's rides wrote).
      const classOf = new Map<string, unknown>();
      for (const { value } of requests.records) {
        const payload = payloadOf(value);
        if (payload['vehicleClass'] !== undefined)
          classOf.set(payload['rideId'] as string, payload['vehicleClass']);
      }
      const confirmed = confirmations.records.map(({ value }) => payloadOf(value));
      // A request with a class, confirmed without it (or with another): N−1 dropped N's field.
      const classLost = confirmed.filter(
        (ride) =>
          classOf.has(ride['rideId'] as string) &&
          ride['vehicleClass'] !== classOf.get(ride['rideId'] as string),
      );
      const fleet = fieldsDropped(fleetSnapshots, (payload) =>
        (payload['drivers'] as Json[]).every((driver) => driver['vehicleClass'] !== undefined),
      );
      const analytics = fieldsDropped(
        analyticsSnapshots,
        (payload) => payload['confirmedByVehicleClass'] !== undefined,
      );

      recordFigures(
        'rolling upgrade N−1 → N → N−1 (transaction recreated as N, kept), two instances of each service',
        {
          previous: previous.commit.slice(0, 12),
          ridesPerSecond: RIDES_PER_SECOND,
          seconds: Math.round(sent.seconds),
          unavailable: sent.unavailable,
          ...counts,
          driversBooked: booked.size,
          doubleBooked: doubleBooked.length,
          requestsWithClass: classOf.size,
          requestsWithoutClass: requests.records.length - classOf.size,
          confirmedWithClass: confirmed.filter((ride) => ride['vehicleClass'] !== undefined).length,
          classLost: classLost.length,
          fleetShardsWithClasses: fleet.keysWithField,
          fleetShardsThatDroppedThem: fleet.dropped.length,
          analyticsStatesWithClasses: analytics.keysWithField,
          analyticsStatesThatDroppedThem: analytics.dropped.length,
          instancesReplaced: exits.length,
          slowestStepSeconds: Math.max(...steps.map((step) => step.seconds)),
          // The machine is shared: its load beside the timings.
          loadAverage1m: Number(loadavg()[0]?.toFixed(1)),
        },
      );
      expect(counts).toMatchObject(exactlyOnce(sent.accepted.length));
      expect(counts.emailResends).toBe(0);
      expect(doubleBooked).toEqual([]);
      // Rolled services twice over (forward and back), transaction's N−1 instances once.
      expect(exits).toEqual(Array(2 * ROLLED.length * INSTANCES + INSTANCES).fill(0));
      // Both releases wrote requests: N with the class, N−1 without.
      expect(classOf.size).toBeGreaterThan(0);
      expect(requests.records.length).toBeGreaterThan(classOf.size);
      expect(classLost).toEqual([]);
      // Each state N wrote its field in still has it in its latest snapshot, by N−1 after the
      // rollback or by N before it (fleet_state: by N, which stays).
      expect(fleet.keysWithField).toBe(names.fleetState.partitions);
      expect(fleet.dropped).toEqual([]);
      expect(analytics.keysWithField).toBeGreaterThan(0);
      expect(analytics.dropped).toEqual([]);
    },
    FAULT_TEST_TIMEOUT_MS,
  );
});
