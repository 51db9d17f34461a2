import { eventually } from '@taxi/testing';
import { DayTwo, LONG, RATE, rollout, SERVICES, SPAN, TIMEOUT } from './support/day-two';
import { isReady, kubectl, kubectlWithInput, NAMESPACE, podsOf } from './support/kubectl';

// Day two on the cluster the dev overlay runs on: restarts, a deleted pod, scaling, evictions,
// each while rides arrive at a steady rate from 127.0.0.1, and counted as the fault tests count:
// every accepted ride decided once, emailed once (Mailpit), counted once (/stats and the
// committed consumer groups), and no driver booked twice (support/day-two.ts). The rolling
// upgrade from the previous release's images is 4-rolling-upgrade.k8s.ts.

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
  let dayTwo: DayTwo;

  beforeAll(async () => {
    dayTwo = await DayTwo.open();
  }, TIMEOUT);

  afterAll(() => dayTwo?.close());

  it(
    'when each service in turn gets a rollout restart, then no ride is lost or doubled and every restarted pod becomes ready',
    async () => {
      const counts = await dayTwo.underLoad('rollout restart of each service', async (load) => {
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

      dayTwo.expectExactlyOnce(counts);
    },
    TIMEOUT,
  );

  it(
    'when the transaction pod is deleted mid-stream, then its replacement takes over and no ride is lost or doubled',
    async () => {
      const counts = await dayTwo.underLoad('transaction pod deleted', async () => {
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

      dayTwo.expectExactlyOnce(counts);
    },
    TIMEOUT,
  );

  it(
    'when transaction is scaled from 1 to 3 replicas and back, then the partitions move between them and no ride is lost or doubled',
    async () => {
      const counts = await dayTwo.underLoad('transaction scaled 1 → 3 → 1', async (load) => {
        await scale('transaction', 3);
        expect(await readyPods('transaction')).toHaveLength(3);
        await load.acceptedMore(RATE * 2 * SPAN);
        await scale('transaction', 1);
      });

      expect((await readyPods('transaction')).length).toBe(1);
      dayTwo.expectExactlyOnce(counts);
    },
    TIMEOUT,
  );

  const drained = LONG ? ['transaction', 'email', 'analytics'] : ['transaction'];
  it.each(drained)(
    'when the node is drained of %s pods through the eviction API, then the PodDisruptionBudget refuses the eviction that would leave none serving, and no ride is lost or doubled',
    async (service) => {
      const refusals: string[] = [];
      const counts = await dayTwo.underLoad(`${service} drained (evictions)`, async () => {
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
      dayTwo.expectExactlyOnce(counts);
    },
    TIMEOUT,
  );
});
