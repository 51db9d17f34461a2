import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { decode, topicsFor } from '@taxi/events';
import { addPartitions, partitionCounts } from '@taxi/kafka';
import { collect, type Collector } from '@taxi/kafka/testing';
import {
  exactlyOnce,
  getJson,
  recordFigures,
  settleAndCount,
  SteadyLoad,
  waitForGroupCaughtUp,
  workspaceRoot,
  type ServiceProcess,
} from '@taxi/stack-harness';
import { faultSuite, FAULT_TEST_TIMEOUT_MS } from '../support/fault-suite';
import { dispatchTraffic, latestFleetSnapshots, ownersOf } from '../support/fleet-ownership';

const run = promisify(execFile);
const taxiMain = path.join(workspaceRoot, 'dist/apps/taxi/main.js');

const RIDES_PER_SECOND = 20;
const BEFORE = 200;
const AFTER = 400;
/**
 * Drivers stay busy for the real trip time (longer than the test): a second booking is a double
 * one. More drivers than rides before the growth, so that drivers are still free after it.
 */
const FLEET_SIZE = 600;

const isJoin = (line: { msg: string }) => line.msg === 'joined consumer group';

describe('partitions grown from 6 to 12 on a live stack', () => {
  const suite = faultSuite(() => ({
    env: { transaction: { FLEET_SIZE: String(FLEET_SIZE), DRIVER_BUSY_TIME_SCALE: '1' } },
  }));
  let requests: Collector;
  let dispatch: Collector;
  let secondAnalytics: ServiceProcess;

  beforeAll(async () => {
    requests = await collect(suite.kafka, [topicsFor(suite.stack.prefix).rideRequested.name]);
    dispatch = await collect(suite.kafka, [topicsFor(suite.stack.prefix).dispatch.name]);
    // A second analytics instance: the first one's /stats must add up the new partitions of
    // analytics_state the other one owns, read by a reader that began before they existed.
    secondAnalytics = await suite.stack.addInstance('analytics');
    await suite.stack.services.analytics.waitForLogs(isJoin, 2);
  }, FAULT_TEST_TIMEOUT_MS);

  afterAll(async () => {
    await requests?.stop();
    await dispatch?.stop();
  });

  it(
    'when taxi topics grow --partitions 12 runs under a steady load, then every ride is decided, emailed and counted exactly once, in order, no driver is booked twice, the new partitions are used, and the old ones hand them drivers: each driver has one owner, and the new partitions confirm rides with their own',
    async () => {
      const { stack, kafka, outcomes } = suite;
      const names = topicsFor(stack.prefix);
      const load = SteadyLoad.start(() => stack.ridesUrl, RIDES_PER_SECOND, 'grow');
      await load.acceptedMore(BEFORE);

      const grow = await run(process.execPath, [taxiMain, 'topics', 'grow', '--partitions', '12'], {
        env: {
          PATH: process.env['PATH'] ?? '',
          KAFKA_BROKERS: stack.brokers,
          KAFKA_TOPIC_PREFIX: stack.prefix,
        },
      });
      const grownAt = Date.now();
      await load.acceptedMore(AFTER);
      const report = await load.stop();
      const counts = await settleAndCount(stack, kafka, outcomes, report.accepted);

      // Each ride's requests (the API publishes one; a retry would be another) in one partition.
      const requestPartitions = new Map<string, Set<number>>();
      for (const record of requests.records) {
        const decoded = decode(names.rideRequested, record.value);
        if (!decoded.ok) continue;
        const seen = requestPartitions.get(decoded.value.payload.rideId) ?? new Set<number>();
        seen.add(record.partition);
        requestPartitions.set(decoded.value.payload.rideId, seen);
      }
      const ridesInTwoPartitions = [...requestPartitions].filter(([, ps]) => ps.size > 1);
      const newPartitionRequests = requests.records.filter((r) => r.partition >= 6);
      const firstOnNew = Math.min(...newPartitionRequests.map((r) => Date.parse(r.timestamp)));
      // How long a ride requested on a new partition waited for its decision (kafkajs' own
      // metadata refresh made the first ones wait about five minutes).
      const waits = newPartitionRequests.flatMap((record) => {
        const decoded = decode(names.rideRequested, record.value);
        if (!decoded.ok) return [];
        const [decidedAt] = outcomes.decidedAt([decoded.value.payload.rideId]);
        return decidedAt === undefined ? [] : [(decidedAt - Date.parse(record.timestamp)) / 1000];
      });
      const booked = new Map<string, number>();
      for (const driver of outcomes.driversConfirmed())
        booked.set(driver, (booked.get(driver) ?? 0) + 1);
      const doubleBooked = [...booked].filter(([, times]) => times > 1);

      // Every hand-over sent has been applied: its receiver committed `dispatch` to the end, in
      // the same transactions as the snapshots that list the drivers it received.
      await waitForGroupCaughtUp(kafka, stack.env('transaction')['KAFKA_GROUP_ID'] as string, [
        names.dispatch.name,
        names.rideRequested.name,
      ]);
      const snapshots = await latestFleetSnapshots(kafka, names);
      const owners = ownersOf(snapshots);
      const ownedTwice = [...owners].filter(([, partitions]) => partitions.length > 1);
      const ownedByNew = [6, 7, 8, 9, 10, 11].map((p) => snapshots.get(p)?.drivers.length ?? 0);
      const { firstForwards, handOvers } = dispatchTraffic(dispatch.records, names);
      const handedTwice = handOvers.filter(
        (handOver, i) => handOvers.findIndex((h) => h.driverId === handOver.driverId) !== i,
      );
      // Rides requested on a new partition, before and after the last hand-over to it was
      // written: those it passed on at once, and those it confirmed with a driver of its own (it
      // never passed them on). Before the hand-overs a new partition owned nobody.
      const lastHandOverTo = new Map<number, number>();
      for (const { to, at } of handOvers)
        lastHandOverTo.set(to, Math.max(at, lastHandOverTo.get(to) ?? 0));
      const confirmed = outcomes.confirmedRideIds();
      const onNew = newPartitionRequests.flatMap((record) => {
        const decoded = decode(names.rideRequested, record.value);
        if (!decoded.ok) return [];
        const rideId = decoded.value.payload.rideId;
        const handedAt = lastHandOverTo.get(record.partition);
        return [
          {
            afterHandOvers: handedAt !== undefined && Date.parse(record.timestamp) > handedAt,
            forwarded: (firstForwards.get(rideId) ?? []).includes(record.partition),
            confirmed: confirmed.has(rideId),
            confirmedWithOwnDriver:
              confirmed.has(rideId) &&
              !(firstForwards.get(rideId) ?? []).includes(record.partition),
          },
        ];
      });
      const share = (rides: typeof onNew) =>
        rides.length === 0
          ? 'none'
          : Math.round((rides.filter((ride) => ride.forwarded).length / rides.length) * 100) / 100;
      const confirmedWithOwnDriverOnNew = onNew.filter((ride) => ride.confirmedWithOwnDriver);
      const handOverLines = stack.instances.flatMap((instance) =>
        instance.logs.filter(
          (line) => line.msg === 'drivers handed to the partitions added by a growth',
        ),
      );
      const crashed = stack.instances.filter((instance) =>
        instance.logs.some((line) => /has no partition/.test(String(line['err'] ?? line.msg))),
      );
      const guardLines = stack.instances.flatMap((instance) =>
        instance.logs.filter((line) => line.msg.startsWith('partition counts differ')),
      );
      const grownCounts = Object.fromEntries(
        await partitionCounts(kafka, [
          names.dispatch.name,
          names.fleetState.name,
          names.analyticsState.name,
          names.rideRequested.name,
          names.rideConfirmed.name,
          names.rideRejected.name,
          names.emailsSent.name,
        ]),
      );
      recordFigures('partitions grown 6 → 12 under a steady load', {
        sent: report.accepted.length,
        ...counts,
        requestsOnNewPartitions: newPartitionRequests.length,
        firstRequestOnNewPartitionSecondsAfterGrow: (firstOnNew - grownAt) / 1000,
        longestWaitOnNewPartitionSeconds: Math.max(...waits),
        driversBooked: booked.size,
        doubleBooked: doubleBooked.length,
        guardLines: guardLines.length,
        driversHandedOver: handOvers.length,
        handOverLines: handOverLines.length,
        driversOwnedByPartitions6to11: ownedByNew.join(' '),
        driversOwned: owners.size,
        forwardedShareOnNew: share(onNew),
        forwardedShareOnNewBeforeHandOvers: share(onNew.filter((r) => !r.afterHandOvers)),
        forwardedShareOnNewAfterHandOvers: share(onNew.filter((r) => r.afterHandOvers)),
        confirmedOnNew: onNew.filter((ride) => ride.confirmed).length,
        confirmedWithOwnDriverOnNew: confirmedWithOwnDriverOnNew.length,
      });

      expect(grow.stderr).toBe('');
      expect(Object.values(grownCounts)).toEqual([12, 12, 12, 12, 12, 12, 12]);
      expect(counts).toMatchObject(exactlyOnce(report.accepted.length));
      expect(counts.emailsReceived).toBe(report.accepted.length);
      expect(ridesInTwoPartitions).toEqual([]);
      expect(newPartitionRequests.length).toBeGreaterThan(0);
      expect(doubleBooked).toEqual([]);
      expect(crashed.map((instance) => instance.name)).toEqual([]);
      // The hand-overs: each driver handed over at most once, and then owned exactly once across
      // the 12 partitions; every new partition owns some, and confirms rides with them.
      expect(handedTwice).toEqual([]);
      expect(ownedTwice).toEqual([]);
      expect(owners.size).toBe(FLEET_SIZE);
      expect(ownedByNew.every((drivers) => drivers > 0)).toBe(true);
      expect(confirmedWithOwnDriverOnNew.length).toBeGreaterThan(0);
      // /stats of the first analytics counted every ride (exactlyOnce above), the partitions the
      // second instance owns included: both took some of the grown topics' partitions.
      const owned = (instance: ServiceProcess) =>
        Object.values(
          (instance.logs.filter(isJoin).at(-1)?.['assignment'] ?? {}) as Record<string, number[]>,
        ).flat();
      expect(owned(secondAnalytics).length).toBeGreaterThan(0);
      expect(
        [...owned(stack.services.analytics), ...owned(secondAnalytics)].some((p) => p >= 6),
      ).toBe(true);
    },
    FAULT_TEST_TIMEOUT_MS,
  );
});

describe('some topics grown with Kafka’s own tools alone (kafka-topics --alter) on a live stack', () => {
  const suite = faultSuite();

  it(
    'when ride_details and the outcomes are grown to 12 alone, then analytics and email leave the new partitions alone with one log line each and /readyz saying what to run, and once it is run every ride is decided, emailed and counted exactly once',
    async () => {
      const { stack, kafka, outcomes } = suite;
      const names = topicsFor(stack.prefix);
      const isGuardLine = (line: { msg: string }) => line.msg.startsWith('partition counts differ');
      const load = SteadyLoad.start(() => stack.ridesUrl, RIDES_PER_SECOND, 'alter');
      await load.acceptedMore(BEFORE / 2);

      // What `kafka-topics --alter --partitions 12` sends, for the three topics the issue grew.
      await addPartitions(
        kafka,
        [names.rideRequested, names.rideConfirmed, names.rideRejected].map((contract) => ({
          topic: contract.name,
          count: 12,
        })),
      );
      const analyticsLine = await stack.services.analytics.waitForLog(
        isGuardLine,
        'the guard line',
      );
      const emailLine = await stack.services.email.waitForLog(isGuardLine, 'the guard line');
      await load.acceptedMore(BEFORE / 2);
      const readyWhileAltered = {
        analytics: await getJson<Record<string, unknown>>(`${stack.analyticsUrl}/readyz`),
        email: await getJson<Record<string, unknown>>(
          `http://127.0.0.1:${stack.ports.email}/readyz`,
        ),
      };

      const grow = await run(process.execPath, [taxiMain, 'topics', 'grow', '--partitions', '12'], {
        env: {
          PATH: process.env['PATH'] ?? '',
          KAFKA_BROKERS: stack.brokers,
          KAFKA_TOPIC_PREFIX: stack.prefix,
        },
      });
      await load.acceptedMore(BEFORE / 2);
      const report = await load.stop();
      const counts = await settleAndCount(stack, kafka, outcomes, report.accepted);
      const readyAfter = await getJson(`${stack.analyticsUrl}/readyz`);
      const guardLines = (name: 'analytics' | 'email') =>
        stack.instances
          .filter((instance) => instance.name === name)
          .flatMap((instance) => instance.logs.filter(isGuardLine));
      // What analytics crash-looped on before: its changelog's missing partition.
      const analyticsErrors = stack.instances
        .filter((instance) => instance.name === 'analytics')
        .flatMap((instance) =>
          instance.logs.filter((line) => /has no partition/.test(JSON.stringify(line))),
        );
      recordFigures('ride_details and the outcomes grown alone, then taxi topics grow', {
        sent: report.accepted.length,
        ...counts,
        analyticsGuardLines: guardLines('analytics').length,
        emailGuardLines: guardLines('email').length,
        analyticsErrorLines: analyticsErrors.length,
      });

      const command = 'run: taxi topics grow --partitions 12';
      expect(analyticsLine.msg).toContain(`${names.analyticsState.name} 6`);
      expect(analyticsLine.msg).toContain(command);
      expect(emailLine.msg).toContain(`${names.emailsSent.name} 6`);
      expect(readyWhileAltered.analytics.status).toBe(503);
      expect(readyWhileAltered.analytics.body['reasons']).toEqual({
        partition_counts: analyticsLine.msg,
      });
      expect(readyWhileAltered.email.status).toBe(503);
      expect(JSON.stringify(readyWhileAltered.email.body['reasons'])).toContain(command);
      // One line each, however many rebalances the growth brought; no crash loop.
      expect(guardLines('analytics')).toHaveLength(1);
      expect(guardLines('email')).toHaveLength(1);
      expect(analyticsErrors).toEqual([]);
      expect(grow.stderr).toBe('');
      expect(readyAfter.status).toBe(200);
      expect(counts).toMatchObject(exactlyOnce(report.accepted.length));
      expect(counts.emailsReceived).toBe(report.accepted.length);
    },
    FAULT_TEST_TIMEOUT_MS,
  );
});
