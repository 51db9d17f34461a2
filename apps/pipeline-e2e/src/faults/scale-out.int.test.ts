import { randomUUID } from 'node:crypto';
import { allTopicSettings, topicsFor } from '@taxi/events';
import { ensureTopics } from '@taxi/kafka';
import { testKafka } from '@taxi/kafka/testing';
import {
  exactlyOnce,
  recordFigures,
  settleAndCount,
  SteadyLoad,
  type LogLine,
  type ServiceProcess,
} from '@taxi/stack-harness';
import { eventually, testLogger } from '@taxi/testing';
import {
  emailBatches,
  EMAILS_IN_FLIGHT,
  faultSuite,
  FAULT_TEST_TIMEOUT_MS,
  fastFailover,
} from '../support/fault-suite';

// Issue 24: transaction scaled out from 1 to 4 instances and back with SIGKILLs, under a steady
// load, on 12 partitions (the topics made with 12 before the stack starts; drivers are dealt over
// the genesis 6, so partitions 6-11 own none and forward every ride, ADR 038). Counted from the
// committed topics: every accepted ride decided once, emailed once, counted once, no driver booked
// twice; and each rebalance's processing gap (the longest time without a decision around it).

const PARTITIONS = 12;
const RIDES_PER_SECOND = Number(process.env['SCALE_RIDES_PER_SECOND'] ?? 20);
/** Rides accepted between two steps: a few seconds of load on each step. */
const RIDES_PER_STEP = Number(process.env['SCALE_RIDES_PER_STEP'] ?? 150);
/**
 * Drivers stay busy for the real trip time (scale 1): one booking each, so a second is a double.
 * 200 per genesis partition: a snapshot stays well under the 64 KiB a message may have.
 */
const FLEET_SIZE = 1200;
const INSTANCES = 4;

const isJoin = (line: LogLine) => line.msg === 'joined consumer group' && isTransactionGroup(line);
const isTransactionGroup = (line: LogLine) =>
  typeof line['groupId'] === 'string' && line['groupId'].endsWith('-transaction');

/** Topics with 12 partitions where the contract says 6: the co-partitioned ones grow together. */
const createTopicsWith12 = async (prefix: string) => {
  const kafka = testKafka(`scale-${randomUUID().slice(0, 8)}`);
  const settings = allTopicSettings(topicsFor(prefix)).map((topic) =>
    topic.partitions === 6 ? { ...topic, partitions: PARTITIONS } : topic,
  );
  await ensureTopics(kafka, settings, { replicationFactor: 1 }, testLogger());
};

const round = (value: number) => Math.round(value * 100) / 100;

interface Step {
  readonly label: string;
  readonly at: number;
}

describe('transaction scaled from 1 to 4 instances and back on 12 partitions', () => {
  const prefix = `e2e-scale-${randomUUID().slice(0, 8)}.`;
  const suite = faultSuite(async () => {
    await createTopicsWith12(prefix);
    return {
      prefix,
      env: {
        transaction: {
          ...fastFailover,
          FLEET_SIZE: String(FLEET_SIZE),
          DRIVER_BUSY_TIME_SCALE: '1',
        },
        email: { ...fastFailover, ...emailBatches },
        analytics: fastFailover,
      },
    };
  });

  it(
    'when instances are added one by one under load and then SIGKILLed one by one, then every ride is decided, emailed and counted once, no driver is booked twice, and each rebalance’s gap is measured',
    async () => {
      const { stack, kafka, outcomes } = suite;
      const first = stack.services.transaction;
      const joins = () => first.logs.filter(isJoin).length;
      const steps: Step[] = [{ label: '1 instance', at: Date.now() }];
      const load = SteadyLoad.start(() => stack.ridesUrl, RIDES_PER_SECOND, 'scale out');
      await load.acceptedMore(RIDES_PER_STEP);

      const added: ServiceProcess[] = [];
      for (let count = 2; count <= INSTANCES; count += 1) {
        const before = joins();
        steps.push({ label: `${count} instances`, at: Date.now() });
        added.push(await stack.addInstance('transaction'));
        // The first instance rejoins when the new one arrives: the numbers are dealt again.
        await first.waitForLogs(isJoin, before + 1);
        await load.acceptedMore(RIDES_PER_STEP);
      }
      // Every member's latest join deals the 12 numbers four ways (the others may log theirs a
      // moment after the first instance).
      const assignedAt4 = await eventually(
        async () =>
          [first, ...added].map(
            (instance) =>
              (instance.logs.filter(isJoin).at(-1)?.['assignment'] ?? {}) as Record<
                string,
                number[]
              >,
          ),
        (assignments) =>
          assignments.every(
            (assignment) => (assignment[`${prefix}ride_details`] ?? []).length === 3,
          ),
        { timeoutMs: 60_000, everyMs: 250 },
      );
      let running = INSTANCES;
      for (const instance of added.reverse()) {
        const before = joins();
        running -= 1;
        steps.push({ label: `${running} instance(s), one SIGKILLed`, at: Date.now() });
        await instance.stop('SIGKILL');
        await first.waitForLogs(isJoin, before + 1);
        await load.acceptedMore(RIDES_PER_STEP);
      }
      steps.push({ label: 'end', at: Date.now() });
      const report = await load.stop();
      const counts = await settleAndCount(stack, kafka, outcomes, report.accepted);

      const rides = outcomes.decisionTimes(report.accepted);
      const decided = rides.map((ride) => ride.decidedAt).sort((a, b) => a - b);
      const perStep = steps.slice(0, -1).map((step, index) => {
        const until = steps[index + 1]?.at ?? Infinity;
        const inStep = decided.filter((at) => at >= step.at && at < until);
        // The longest the whole group went without deciding anything (an eager rebalance stops
        // every member), and the longest a ride requested in the step waited for its decision
        // (a partition of a SIGKILLed member waits out the session timeout first).
        let gap = 0;
        let previous = decided.filter((at) => at < step.at).at(-1) ?? step.at;
        for (const at of inStep) {
          gap = Math.max(gap, at - previous);
          previous = at;
        }
        const waits = rides
          .filter((ride) => ride.requestedAt >= step.at && ride.requestedAt < until)
          .map((ride) => ride.decidedAt - ride.requestedAt);
        return {
          step: step.label,
          seconds: round((until - step.at) / 1000),
          decidedPerSecond: round(inStep.length / ((until - step.at) / 1000)),
          gapSeconds: round(gap / 1000),
          longestWaitSeconds: round(Math.max(0, ...waits) / 1000),
        };
      });
      const booked = new Map<string, number>();
      for (const driver of outcomes.driversConfirmed())
        booked.set(driver, (booked.get(driver) ?? 0) + 1);
      const doubleBooked = [...booked].filter(([, times]) => times > 1);
      recordFigures('transaction 1 → 4 → 1 instances (SIGKILLs), 12 partitions, steady load', {
        ridesPerSecond: RIDES_PER_SECOND,
        ...counts,
        driversBooked: booked.size,
        doubleBooked: doubleBooked.length,
        steps: JSON.stringify(perStep),
      });
      process.stdout.write(`scale steps: ${JSON.stringify(perStep)}\n`);

      // With 4 instances each held 3 of the 12 numbers, the same of both inputs.
      for (const assignment of assignedAt4) {
        const [requests, dispatch] = [prefix + 'ride_details', prefix + 'dispatch'].map(
          (topic) => assignment[topic] ?? [],
        );
        expect(requests).toHaveLength(PARTITIONS / INSTANCES);
        expect(dispatch).toEqual(requests);
      }
      expect(counts).toMatchObject(exactlyOnce(report.accepted.length));
      expect(counts.emailResends).toBeLessThanOrEqual(EMAILS_IN_FLIGHT);
      expect(doubleBooked).toEqual([]);
      expect(counts.confirmed).toBe(booked.size);
    },
    FAULT_TEST_TIMEOUT_MS,
  );
});
