import type { KafkaClient } from '@taxi/kafka';
import { exactlyOnce, Outcomes, SteadyLoad, type PipelineCounts } from '@taxi/stack-harness';
import { eventually } from '@taxi/testing';
import { baseline, settleAndCount, type ClusterReaders } from './support/cluster-counts';
import { clusterKafka } from './support/cluster-kafka';
import {
  isReady,
  kubectl,
  kubectlWithInput,
  NAMESPACE,
  podsOf,
  recordFigure,
} from './support/kubectl';
import { PortForward } from './support/port-forward';

// Day two on the cluster the dev overlay runs on: restarts, a deleted pod, scaling, evictions,
// each while rides arrive at a steady rate from 127.0.0.1, and counted as the fault tests count:
// every accepted ride decided once, emailed once (Mailpit), counted once (/stats and the
// committed consumer groups), and no driver booked twice.
//
// A rolling upgrade from the previous image to a new one belongs here too (`kubectl set image` of
// each service under `underLoad`); the one between two releases runs as processes in
// apps/pipeline-e2e/src/contracts/rolling-upgrade.upgrade.test.ts.

/** Rides per second. */
const RATE = 5;
/** TAXI_K8S_LONG: each operation runs under ten times as many rides, and more is evicted. */
const LONG = Boolean(process.env['TAXI_K8S_LONG']);
const SPAN = LONG ? 10 : 1;
const SERVICES = ['rides', 'transaction', 'email', 'analytics', 'web'] as const;
/**
 * Drivers stay busy for their trip's real duration (tens of minutes, longer than this suite), so
 * a driver confirmed twice is a driver booked twice. 2,400 drivers: about as many as rides here,
 * and 400 per shard keep transaction's fleet snapshots (~40 KB) under the 64 KiB it reads back
 * (at 5,000 drivers the snapshots grew to 81 KB and a restarted transaction could not restore).
 */
const FLEET = { FLEET_SIZE: '2400', DRIVER_BUSY_TIME_SCALE: '1' };
const TIMEOUT = 15 * 60_000;

const rollout = (deployment: string) =>
  kubectl('-n', NAMESPACE, 'rollout', 'status', `deployment/${deployment}`, '--timeout=5m');

const scale = async (deployment: string, replicas: number) => {
  await kubectl('-n', NAMESPACE, 'scale', `deployment/${deployment}`, `--replicas=${replicas}`);
  await rollout(deployment);
};

/** Asks the API to evict a pod, as `kubectl drain` does: the PodDisruptionBudgets decide. */
const evict = async (pod: string): Promise<'evicted' | string> => {
  const eviction = {
    apiVersion: 'policy/v1',
    kind: 'Eviction',
    metadata: { name: pod, namespace: NAMESPACE },
  };
  try {
    await kubectlWithInput(
      JSON.stringify(eviction),
      'create',
      '--raw',
      `/api/v1/namespaces/${NAMESPACE}/pods/${pod}/eviction`,
      '-f',
      '-',
    );
    return 'evicted';
  } catch (error) {
    return (error as Error).message;
  }
};

const readyPods = async (app: string) => (await podsOf(app)).filter(isReady);

interface DisruptionBudget {
  status: { disruptionsAllowed: number; currentHealthy: number; desiredHealthy: number };
}

/** Resolves once a pod of `app` other than `besides` is ready and its PDB allows a disruption. */
const disruptionsAllowed = (app: string, besides: string) =>
  eventually(
    async () => ({
      others: (await readyPods(app)).filter((pod) => pod.metadata.name !== besides).length,
      budget: JSON.parse(
        await kubectl('-n', NAMESPACE, 'get', 'pdb', app, '-o', 'json'),
      ) as DisruptionBudget,
    }),
    (state) => state.others >= 1 && state.budget.status.disruptionsAllowed >= 1,
    { timeoutMs: 300_000, everyMs: 500 },
  );

describe('day two on the cluster, under a steady stream of rides', () => {
  let rides: PortForward;
  let analytics: PortForward;
  let mailpit: PortForward;
  let broker: PortForward;
  let kafka: KafkaClient;
  let readers: ClusterReaders;
  let confirmationsBefore = 0;

  beforeAll(async () => {
    [rides, analytics, mailpit, broker] = await Promise.all([
      PortForward.open('service/rides', 3000),
      PortForward.open('service/analytics', 3003),
      PortForward.open('service/mailpit', 8025),
      PortForward.open('pod/kafka-0', 9092),
    ]);
    kafka = clusterKafka(broker);
    const outcomes = await Outcomes.follow(kafka, '');
    readers = { kafka, outcomes, analyticsUrl: () => analytics.url, mailpitUrl: () => mailpit.url };
    await kubectl(
      '-n',
      NAMESPACE,
      'set',
      'env',
      'deployment/transaction',
      ...Object.entries(FLEET).map(([name, value]) => `${name}=${value}`),
    );
    await rollout('transaction');
    // Every ride decided so far (the dev overlay's tests) read back before counting starts.
    await baseline(readers);
    confirmationsBefore = outcomes.driversConfirmed().length;
  }, TIMEOUT);

  afterAll(async () => {
    await readers?.outcomes.stop();
    await Promise.all([rides, analytics, mailpit, broker].map((forward) => forward?.close()));
  });

  /**
   * Runs `operation` while rides arrive at RATE per second, starting once some are in and ending
   * some after it; then settles and counts them.
   */
  const underLoad = async (
    label: string,
    operation: (load: SteadyLoad) => Promise<void>,
  ): Promise<PipelineCounts> => {
    const before = await baseline(readers);
    const load = SteadyLoad.start(() => rides.url, RATE, label);
    const started = Date.now();
    try {
      await load.acceptedMore(RATE * 2 * SPAN);
      await operation(load);
      await load.acceptedMore(RATE * 2 * SPAN);
    } catch (error) {
      await load.stop().catch(() => undefined);
      throw error;
    }
    const report = await load.stop();
    const counts = await settleAndCount(readers, before, report.accepted);
    recordFigure(
      `${label}: ${report.accepted.length} rides in ${((Date.now() - started) / 1000).toFixed(0)}s, ` +
        `${report.unavailable} refused or 503 and retried, rides' port-forward reopened ${rides.restarts}× so far; ` +
        `confirmed ${counts.confirmed}, rejected ${counts.rejected}, emails ${counts.emailsReceived}`,
    );
    return counts;
  };

  /** Drivers of the confirmations since day two began, and those confirmed more than once. */
  const driversBooked = () => {
    const drivers = readers.outcomes.driversConfirmed().slice(confirmationsBefore);
    const times = new Map<string, number>();
    for (const driver of drivers) times.set(driver, (times.get(driver) ?? 0) + 1);
    return { confirmations: drivers.length, twice: [...times].filter(([, n]) => n > 1) };
  };

  const expectExactlyOnce = (counts: PipelineCounts) => {
    expect(counts).toMatchObject({ ...exactlyOnce(counts.accepted), emailResends: 0 });
    expect(counts.confirmed + counts.rejected).toBe(counts.accepted);
    expect(counts.confirmed).toBeGreaterThan(0);
    expect(driversBooked().twice).toEqual([]);
  };

  it(
    'when each service in turn gets a rollout restart, then no ride is lost or doubled and every restarted pod becomes ready',
    async () => {
      const counts = await underLoad('rollout restart of each service', async (load) => {
        for (const service of SERVICES) {
          const old = (await podsOf(service)).map((pod) => pod.metadata.name);
          await kubectl('-n', NAMESPACE, 'rollout', 'restart', `deployment/${service}`);
          await rollout(service);
          const now = (await readyPods(service)).map((pod) => pod.metadata.name);
          expect({ service, replaced: now.every((name) => !old.includes(name)) }).toEqual({
            service,
            replaced: true,
          });
          await load.acceptedMore(RATE * SPAN);
        }
      });

      expectExactlyOnce(counts);
    },
    TIMEOUT,
  );

  it(
    'when the transaction pod is deleted mid-stream, then its replacement takes over and no ride is lost or doubled',
    async () => {
      const counts = await underLoad('transaction pod deleted', async () => {
        const [pod] = await readyPods('transaction');
        await kubectl(
          '-n',
          NAMESPACE,
          'delete',
          'pod',
          pod?.metadata.name ?? 'none',
          '--wait=true',
        );
        await rollout('transaction');
      });

      expectExactlyOnce(counts);
    },
    TIMEOUT,
  );

  it(
    'when transaction is scaled from 1 to 3 replicas and back, then the partitions move between them and no ride is lost or doubled',
    async () => {
      const counts = await underLoad('transaction scaled 1 → 3 → 1', async (load) => {
        await scale('transaction', 3);
        expect(await readyPods('transaction')).toHaveLength(3);
        await load.acceptedMore(RATE * 2 * SPAN);
        await scale('transaction', 1);
      });

      expect((await readyPods('transaction')).length).toBe(1);
      expectExactlyOnce(counts);
    },
    TIMEOUT,
  );

  const drained = LONG ? ['transaction', 'email', 'analytics'] : ['transaction'];
  it.each(drained)(
    'when the node is drained of %s pods through the eviction API, then the PodDisruptionBudget refuses the eviction that would leave none serving, and no ride is lost or doubled',
    async (service) => {
      const refusals: string[] = [];
      const counts = await underLoad(`${service} drained (evictions)`, async () => {
        await scale(service, 2);
        const [first, second] = (await readyPods(service)).map((pod) => pod.metadata.name);
        if (!first || !second) throw new Error(`${service}: two ready pods expected`);
        // Both counted healthy by the budget's controller: one may go.
        await disruptionsAllowed(service, second);

        expect(await evict(first)).toBe('evicted');
        // The first one is going and its replacement is not ready: one more would break the budget.
        refusals.push(await evict(second));
        await disruptionsAllowed(service, second);
        expect(await evict(second)).toBe('evicted');
        await rollout(service);
        await scale(service, 1);
      });

      expect(refusals).toEqual([expect.stringMatching(/disruption budget/)]);
      expectExactlyOnce(counts);
    },
    TIMEOUT,
  );
});
