import { rmSync } from 'node:fs';
import path from 'node:path';
import { topicsFor } from '@taxi/events';
import {
  exactlyOnce,
  getJson,
  LocalCluster,
  postRide,
  recordFigures,
  rideRequest,
  settleAndCount,
  type LoadReport,
  type PipelineCounts,
  type Stats,
  workspaceRoot,
} from '@taxi/stack-harness';
import { gaps, requestedCustomers, underLoad } from '../support/cluster-scenario';
import {
  emailBatches,
  EMAILS_IN_FLIGHT,
  faultSuite,
  FAULT_TEST_TIMEOUT_MS,
  fastFailover,
} from '../support/fault-suite';

// The four broker faults a Kafka user meets first, on a cluster configured as production is
// (3 nodes, replication 3, min.insync.replicas 2), under a steady stream of rides. One cluster and
// one stack for all four, in order: each scenario counts every ride accepted so far. A step of
// `npm test` (a few minutes); CLUSTER_FAULT_RATE=10 CLUSTER_FAULT_RIDES=200 is the longer variant.
const CLUSTER_PORT = Number(process.env['FAULT_CLUSTER_PORT'] ?? 19700);
/**
 * Rides per scenario (at least; the stream goes on until the cluster recovered), their rate, and
 * how many are accepted before the fault: the stream runs before, during and after it. A few a
 * second are enough to see every gap; more only load the 2-core machine the nodes restart on.
 */
const RATE = Number(process.env['CLUSTER_FAULT_RATE'] ?? 5);
const RIDES = Number(process.env['CLUSTER_FAULT_RIDES'] ?? 10 * RATE);
const load = { count: RIDES, perSecond: RATE, startAfter: 2 * RATE };
/**
 * Drivers stay busy for the real trip time (tens of minutes), so that none may be confirmed twice
 * in the whole run: the fleet must outlast every ride of it, or confirmations stop and only
 * rejections flow (a run of 6,500 rides at 10 a second booked 3,000 drivers out). A few a second
 * for a few minutes stay well inside it. A partition's fleet_state snapshot must stay within the
 * contract's 900 KiB, and transaction refuses a fleet whose snapshots might not (above about
 * 27,200 drivers on 6 partitions); 3,000 stay far inside it even with every driver busy.
 */
const FLEET_SIZE = 3000;
/**
 * Every service's log, whole, in a file per process (E2E_LOG_DIR), kept after the run: a count that
 * goes wrong here is explained by what the services logged (issue 23 was not, for want of them).
 * The brokers' logs are in .kafka/cluster-<port>/node-<id>/kafka.log. Emptied as a run begins.
 */
const LOG_DIR = (process.env['E2E_LOG_DIR'] ??= path.join(workspaceRoot, 'tmp/cluster-fault-logs'));
rmSync(LOG_DIR, { recursive: true, force: true });
const startedAt = Date.now();
/** Where the minutes go, in the test's output. */
const step = (what: string) =>
  process.stdout.write(
    `cluster test +${((Date.now() - startedAt) / 1000).toFixed(0)} s: ${what}\n`,
  );

interface Readiness {
  readonly checks: Record<string, boolean>;
}

/** Booked drivers that were confirmed more than once. */
const doubleBooked = (drivers: readonly string[]) => {
  const counts = new Map<string, number>();
  for (const driver of drivers) counts.set(driver, (counts.get(driver) ?? 0) + 1);
  return [...counts].filter(([, times]) => times > 1);
};

describe('a replicated 3-node cluster losing brokers under a steady stream of rides', () => {
  let cluster: LocalCluster;
  const suite = faultSuite(async () => {
    step('starting the cluster');
    cluster = await LocalCluster.start(CLUSTER_PORT);
    step('cluster ready; starting the stack');
    return {
      brokers: cluster.bootstrap,
      replication: cluster.replication,
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
  /** Every ride accepted so far, over all scenarios. */
  const accepted: string[] = [];

  afterAll(async () => {
    await cluster?.stopAll();
  });

  /** Settles every ride accepted so far and checks nothing was lost, doubled or double-booked. */
  const settleExactlyOnce = async (): Promise<PipelineCounts & { noDriver: number }> => {
    const { stack, kafka, outcomes } = suite;
    const processes = [...stack.instances];
    // A process that exited fails the test now, not after the settle step's timeouts.
    expect(processes.map((p) => [p.name, p.exitCode])).toEqual(
      processes.map((p) => [p.name, null]),
    );
    step('settling');
    const counts = await settleAndCount(stack, kafka, outcomes, accepted);
    step(`settled and counted (service logs in ${LOG_DIR})`);
    expect(counts).toMatchObject(exactlyOnce(accepted.length));
    expect(counts.emailResends).toBeLessThanOrEqual(EMAILS_IN_FLIGHT);
    expect(doubleBooked(suite.outcomes.driversConfirmed())).toEqual([]);
    // Every process rode it out: none exited, none was replaced.
    expect(processes.map((p) => p.exitCode)).toEqual(processes.map(() => null));
    expect(stack.instances).toHaveLength(processes.length);
    // Rejected for want of a driver: 0 while the fleet outlasts the run (see FLEET_SIZE).
    const stats = await getJson<Stats>(`${stack.analyticsUrl}/stats`);
    return { ...counts, noDriver: stats.body.rejectionsByReason['no_driver_available'] ?? 0 };
  };

  /**
   * Analytics restores so far that first read a snapshot behind the offset their group had
   * committed (another source's transaction open on the changelog partition) and read again.
   * Before issue 23's fix such a restore went on from the older snapshot, and its rides were
   * never counted.
   */
  const restoresBehind = () =>
    suite.stack.instances
      .filter((p) => p.name === 'analytics')
      .flatMap((p) => p.logs)
      .filter((line) => String(line.msg).includes("behind the group's committed offset")).length;

  /** A scenario's figures: what was sent and answered, the gaps the fault caused, the counts. */
  const recordFault = (
    scenario: string,
    report: LoadReport,
    faultAt: number,
    counts: PipelineCounts & { noDriver: number },
    details: Record<string, number> = {},
  ) =>
    recordFigures(`cluster: ${scenario}`, {
      ...details,
      analyticsRestoresBehindSoFar: restoresBehind(),
      sent: report.accepted.length,
      perSecond: RATE,
      answered503: report.unavailable,
      outcomeUnknown: report.outcomeUnknown,
      ...gaps(report, suite.outcomes, faultAt),
      ...counts,
    });

  it(
    'when the node leading most ride_details partitions is SIGKILLed mid-stream and brought back, then every accepted ride is decided, emailed and counted once',
    async () => {
      const { stack } = suite;
      const topic = topicsFor(stack.prefix).rideRequested.name;

      const { report, result } = await underLoad(stack, load, async (stream) => {
        const leader = await cluster.leaderOfMost(topic);
        const at = Date.now();
        await cluster.kill(leader.node);
        step(`killed node ${leader.node}, leader of ${leader.partitions} partitions`);
        // Back once the others have taken over.
        await stream.acceptedMore(RATE);
        step('rides accepted again; starting the node');
        await cluster.start(leader.node);
        step('node started');
        return { ...leader, at };
      });
      accepted.push(...report.accepted);
      step('waiting for the replicas');
      await cluster.waitForInSync();
      const counts = await settleExactlyOnce();

      recordFault('SIGKILL the leader of most ride_details partitions', report, result.at, counts, {
        killedNode: result.node,
        partitionsLed: result.partitions,
      });
    },
    FAULT_TEST_TIMEOUT_MS,
  );

  it(
    'when the active controller is SIGKILLed mid-stream and brought back, then another takes over and every accepted ride completes once',
    async () => {
      const { stack } = suite;

      const { report, result } = await underLoad(stack, load, async (stream) => {
        const node = await cluster.activeController();
        const at = Date.now();
        await cluster.kill(node);
        step(`killed node ${node}, the active controller`);
        await stream.acceptedMore(RATE);
        const next = await cluster.activeController();
        step(`rides accepted again, node ${next} controls; starting the node`);
        await cluster.start(node);
        step('node started');
        return { node, next, at };
      });
      accepted.push(...report.accepted);
      step('waiting for the replicas');
      await cluster.waitForInSync();
      const counts = await settleExactlyOnce();

      recordFault('SIGKILL the active controller', report, result.at, counts, {
        killedNode: result.node,
        nextController: result.next,
      });
      expect(result.next).not.toBe(result.node);
    },
    FAULT_TEST_TIMEOUT_MS,
  );

  it(
    'when all three nodes are restarted one at a time, each after the replicas caught up, then the stream goes on and every accepted ride completes once',
    async () => {
      const { stack } = suite;

      const { report, result } = await underLoad(stack, load, async () => {
        const at = Date.now();
        for (const node of cluster.nodeIds) {
          await cluster.stop(node);
          step(`stopped node ${node}`);
          await cluster.start(node);
          step(`started node ${node}`);
          await cluster.waitForInSync();
          step('replicas in sync');
        }
        return { at };
      });
      accepted.push(...report.accepted);
      const counts = await settleExactlyOnce();

      recordFault('rolling restart of all three nodes', report, result.at, counts);
    },
    FAULT_TEST_TIMEOUT_MS,
  );

  it(
    'when two of three nodes are down, then rides refuses with 503, a refused ride never appears, nothing accepted is lost, and all flows again once one node returns',
    async () => {
      const { stack, kafka } = suite;
      /** Rides asked for while two nodes are down, each once, with a key, and never retried. */
      const probe = async (n: number) => {
        const key = `probe-${stack.prefix}${n}`;
        const body = rideRequest({ customerId: `probe-${n}` });
        const answer = await postRide(stack.ridesUrl, body, undefined, { 'idempotency-key': key });
        const { error, rideId } = answer.body;
        return { key, body, status: answer.status, error, rideId };
      };
      let seenUnavailable: () => void = () => undefined;
      const unavailable = new Promise<void>((resolve) => (seenUnavailable = resolve));

      const { report, result } = await underLoad(
        stack,
        { ...load, onUnavailable: () => seenUnavailable() },
        async (stream) => {
          const [first, second] = cluster.nodeIds as [number, number, number];
          const at = Date.now();
          await Promise.all([cluster.kill(first), cluster.kill(second)]);
          step(`killed nodes ${first} and ${second}`);
          await unavailable;
          step('rides refuses; probing');
          const probes = await Promise.all(Array.from({ length: 20 }, (_, n) => probe(n)));
          const readyWhileDown = await getJson<Readiness>(`${stack.ridesUrl}/readyz`);
          await cluster.start(first);
          step(`started node ${first}`);
          await stream.acceptedMore(RATE);
          step('rides accepted again');
          await cluster.start(second);
          step(`started node ${second}`);
          return { at, probes, readyWhileDown };
        },
      );
      accepted.push(...report.accepted);
      await cluster.waitForInSync();
      const refused = result.probes.filter((p) => p.error === 'unavailable');
      const unknown = result.probes.filter((p) => p.error === 'outcome_unknown');
      // A probe whose outcome was unknown: a retry with its key returns that very ride.
      const retried = await Promise.all(
        unknown.map((p) =>
          postRide(stack.ridesUrl, p.body, undefined, { 'idempotency-key': p.key }),
        ),
      );
      accepted.push(...retried.map((answer) => answer.body['rideId'] as string));
      const counts = await settleExactlyOnce();
      const customers = new Set(await requestedCustomers(kafka, stack.prefix));
      const readyAfter = await getJson<Readiness>(`${stack.ridesUrl}/readyz`);

      recordFault('two of three nodes down (below min ISR, no quorum)', report, result.at, counts, {
        probesRefused: refused.length,
        probesOutcomeUnknown: unknown.length,
      });
      expect(result.probes.map((p) => p.status)).toEqual(result.probes.map(() => 503));
      expect(refused.length + unknown.length).toBe(result.probes.length);
      expect(refused.length).toBeGreaterThan(0);
      // A refusal means the ride will not happen: no refused probe's request was ever written.
      expect(refused.filter((p) => customers.has(p.body.customerId))).toEqual([]);
      expect(retried.map((answer) => [answer.status, answer.body['rideId']])).toEqual(
        unknown.map((p) => [202, p.rideId]),
      );
      // Readiness says what the answers said: not ready while Kafka acknowledges nothing.
      expect(result.readyWhileDown).toMatchObject({
        status: 503,
        body: { checks: { kafka_producer: false } },
      });
      expect(readyAfter).toMatchObject({ status: 200, body: { checks: { kafka_producer: true } } });
    },
    FAULT_TEST_TIMEOUT_MS,
  );
});
