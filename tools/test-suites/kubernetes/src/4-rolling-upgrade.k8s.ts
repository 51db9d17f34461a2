import { loadavg } from 'node:os';
import { topicsFor } from '@taxi/events';
import { collect, type Collector } from '@taxi/kafka/testing';
import { eventually } from '@taxi/testing';
import { DayTwo, RATE, rollout, SERVICES, SPAN, TIMEOUT, type Service } from './support/day-two';
import { getJson, isReady, kubectl, NAMESPACE, podsOf, recordFigure } from './support/kubectl';

// Issue 26's last day-two operation: a rolling upgrade between the previous release's images and
// the new ones, under a steady load, one Deployment at a time, as `kubectl set image` does it in
// production. The previous release (N−1) is the one the process-level upgrade test runs
// (apps/pipeline-e2e/src/contracts/rolling-upgrade.upgrade.test.ts): the commit before the
// vehicle class. test.sh builds its images from that commit's own Dockerfile and files
// (previous-images.sh, cached by commit) and loads them into the node beside the new ones; when
// the clone lacks that commit it leaves this file out, saying why in one line.
//
// The dev overlay runs N (the new images) when this file starts. Each service is rolled back to
// N−1 one at a time, then upgraded to N one at a time, so the cluster ends as it began, and while
// it runs each step has every mix of versions a rollout has: rides first, so that N−1 readers meet
// N's requests (vehicleClass) and N readers meet N−1's (without it) for as long as the next
// rollouts take. Starting from a cluster on N−1 instead would need a rollback of everything at
// once first: the same mixes, two minutes more. The load sends only requests both releases take
// (no vehicleClass: N−1's rides answers 400 to it, ADR 040).
//
// transaction is not rolled: it stays on N throughout. N writes fleet_state 2, a new major (driver
// ownership, ADR 038), and dispatches co-partitioned (its own assigner, transactional ids
// `<prefix>-<p>`), so an N−1 pod cannot join N's group (INCONSISTENT_GROUP_PROTOCOL) nor read the
// state N wrote (its codec refuses a major it does not know as unsupported_version). ADR 040: a new
// major is no mixed rollout; it is upgraded by recreate (every old pod gone, then the new image,
// docs/deploy.md), and going back past fleet_state 2 needs the fleet idle (ADR 038), which a
// cluster under steady load is not. The process-level test recreates it on the way to N, since it
// starts on N−1; this file starts on N, so it has nothing to recreate.

const IMAGE_REPOSITORY = 'ghcr.io/taxi-kafka';
/** Rolled N → N−1 → N, in this order each way: every service but transaction (above). */
const ROLLED = SERVICES.filter((service) => service !== 'transaction');

type Json = Record<string, unknown>;
const payloadOf = (value: Buffer | null): Json =>
  ((JSON.parse(value?.toString() ?? 'null') as Json | null)?.['payload'] as Json | undefined) ?? {};

interface Deployment {
  spec: { template: { spec: { containers: { name: string; image: string }[] } } };
}

/** The image the deployment's pod template runs (each service's one container). */
const imageOf = async (service: Service): Promise<string> => {
  const deployment = await getJson<Deployment>('get', `deployment/${service}`);
  return deployment.spec.template.spec.containers[0]?.image ?? '';
};

/** `kubectl set image` of one service, then waits for its rollout; resolves to its ready pods' images. */
const setImage = async (service: Service, image: string): Promise<string[]> => {
  await kubectl('-n', NAMESPACE, 'set', 'image', `deployment/${service}`, `${service}=${image}`);
  await rollout(service);
  return (await podsOf(service)).filter(isReady).map((pod) => pod.spec.containers[0]?.image ?? '');
};

describe('a rolling upgrade on the cluster between the previous release and the new one, under a steady stream of rides', () => {
  const previousTag = process.env['TAXI_K8S_PREVIOUS_TAG'];
  const previousCommit = process.env['TAXI_K8S_PREVIOUS_COMMIT'] ?? '';
  let dayTwo: DayTwo;
  const collectors: Collector[] = [];

  beforeAll(async () => {
    if (!previousTag)
      throw new Error(
        'TAXI_K8S_PREVIOUS_TAG is not set: run the cluster suite through tools/test-suites/kubernetes/test.sh, which builds and loads the previous release images',
      );
    dayTwo = await DayTwo.open();
  }, TIMEOUT);

  afterAll(async () => {
    await Promise.all(collectors.map((collector) => collector.stop()));
    await dayTwo?.close();
  });

  it(
    'when each service but transaction is rolled back to the previous image one at a time and then upgraded to the new one the same way, transaction staying on the new one, then every ride is decided, emailed and counted once, no driver is booked twice, both releases took requests, and no confirmation lost the class its request had',
    async () => {
      const names = topicsFor('');
      const follow = async (topic: string) => {
        const collector = await collect(dayTwo.kafka, [topic]);
        collectors.push(collector);
        return collector;
      };
      const requests = await follow(names.rideRequested.name);
      const confirmations = await follow(names.rideConfirmed.name);
      const current = Object.fromEntries(
        await Promise.all(SERVICES.map(async (service) => [service, await imageOf(service)])),
      ) as Record<Service, string>;
      const previous = (service: Service) => `${IMAGE_REPOSITORY}/${service}:${previousTag}`;
      const steps: { step: string; seconds: number; images: string[]; expected: string }[] = [];

      const counts = await dayTwo.underLoad('rolling upgrade N → N−1 → N', async (load) => {
        const releases = [
          ['N−1', previous],
          ['N', (service: Service) => current[service]],
        ] as const;
        for (const [release, image] of releases)
          for (const service of ROLLED) {
            const started = Date.now();
            const images = await setImage(service, image(service));
            steps.push({
              step: `${service} → ${release}`,
              seconds: (Date.now() - started) / 1000,
              images,
              expected: image(service),
            });
            await load.acceptedMore(RATE * SPAN);
          }
      });

      // Each step ended with the service's ready pods all on the image it was set to.
      expect(
        steps.filter(({ images, expected }) => images.some((image) => image !== expected)),
      ).toEqual([]);
      expect(steps).toHaveLength(2 * ROLLED.length);
      // transaction ran N all along: never set to N−1, so its ready pods still run N's image.
      expect(await imageOf('transaction')).toBe(current.transaction);
      const transactionImages = (await podsOf('transaction'))
        .filter(isReady)
        .map((pod) => pod.spec.containers[0]?.image);
      expect(new Set(transactionImages)).toEqual(new Set([current.transaction]));
      dayTwo.expectExactlyOnce(counts);

      // Requests of this run, by whether they carry N's field: N's rides writes it, N−1's cannot.
      const accepted = new Set(counts.acceptedIds);
      const classOf = new Map<string, unknown>();
      let withoutClass = 0;
      for (const { value } of requests.records) {
        const payload = payloadOf(value);
        if (!accepted.has(payload['rideId'] as string)) continue;
        if (payload['vehicleClass'] === undefined) withoutClass += 1;
        else classOf.set(payload['rideId'] as string, payload['vehicleClass']);
      }
      const confirmedHere = () =>
        confirmations.records
          .map(({ value }) => payloadOf(value))
          .filter((ride) => accepted.has(ride['rideId'] as string));
      const confirmed = await eventually(
        async () => confirmedHere(),
        (rides) => rides.length >= counts.confirmed,
        { timeoutMs: 60_000, everyMs: 250 },
      );
      // A request with a class confirmed without it (or with another): the field was dropped on the
      // way through, by the N transaction reading it beside N−1 writers and readers (ADR 040 keeps
      // it).
      const classLost = confirmed.filter(
        (ride) =>
          classOf.has(ride['rideId'] as string) &&
          ride['vehicleClass'] !== classOf.get(ride['rideId'] as string),
      );

      recordFigure(
        `rolling upgrade N → N−1 (${previousCommit.slice(0, 12)}) → N, one Deployment at a time, transaction kept on N: ` +
          steps.map(({ step, seconds }) => `${step} ${seconds.toFixed(0)}s`).join(', ') +
          `; requests with the class ${classOf.size}, without ${withoutClass}, confirmations that lost it ${classLost.length}; ` +
          `load average ${loadavg()[0]?.toFixed(1)}`,
      );
      expect(classOf.size).toBeGreaterThan(0);
      expect(withoutClass).toBeGreaterThan(0);
      expect(classLost).toEqual([]);
    },
    TIMEOUT,
  );
});
