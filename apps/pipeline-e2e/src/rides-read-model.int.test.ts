import type { KafkaClient } from '@taxi/kafka';
import { testKafka } from '@taxi/kafka/testing';
import { eventually, uniqueName } from '@taxi/testing';
import {
  sendRides,
  Outcomes,
  getJson,
  ServiceProcess,
  type LogLine,
  startStack,
  type Stack,
} from '@taxi/stack-harness';

type RideAnswer = { status: number; body: { rideId: string; status: string } };
type Readiness = { status: number; body: { checks: Record<string, boolean> } };

const RESUMED = 'local store resuming from its own positions';
const REBUILDING = 'local store is empty: reading the topics from the beginning';
const CAUGHT_UP = 'local store caught up with the topics';
/** Two stacks' worth of processes on a shared 2-core machine: minutes, not the default 2. */
const TIMEOUT_MS = 5 * 60_000;

const logged = (msg: string) => (line: LogLine) => line.msg === msg;

/** Every ride answered with its outcome (not "requested", not 404) by the instance at `url`. */
const finalStatuses = (url: string, rideIds: readonly string[]): Promise<RideAnswer[]> =>
  Promise.all(
    rideIds.map((rideId) =>
      eventually(
        () => getJson(`${url}/rides/${rideId}`) as Promise<RideAnswer>,
        (answer) => answer.status === 200 && answer.body.status !== 'requested',
      ),
    ),
  );

describe('the rides read model, kept in a local store', () => {
  let stack: Stack;
  let kafka: KafkaClient;
  let outcomes: Outcomes;

  beforeAll(async () => {
    stack = await startStack();
    kafka = testKafka(uniqueName('read-model'), [stack.brokers]);
    outcomes = await Outcomes.follow(kafka, stack.prefix);
  }, TIMEOUT_MS);

  afterAll(async () => {
    await outcomes?.stop();
    await stack?.stop();
  });

  it(
    'when rides is killed and started again, then it answers the final status of the rides it served, having resumed from its store, not replayed the topics',
    async () => {
      const load = await sendRides(() => stack.ridesUrl, { count: 100 });
      await outcomes.waitForRides(load.accepted);
      const before = await finalStatuses(stack.ridesUrl, load.accepted);

      await stack.restart('rides');
      const rides = stack.services.rides;
      const resumed = await rides.waitForLog(logged(RESUMED));
      const caughtUp = await rides.waitForLog(logged(CAUGHT_UP));
      const after = await Promise.all(
        load.accepted.map((rideId) => getJson(`${stack.ridesUrl}/rides/${rideId}`)),
      );

      expect(after).toEqual(before);
      expect(Object.keys(resumed['resumeFrom'] as object).length).toBeGreaterThan(0);
      // A replay from the beginning would apply a request and an outcome for every ride.
      expect(caughtUp['eventsApplied']).toBeLessThan(load.accepted.length);
      expect(rides.logs.some(logged(REBUILDING))).toBe(false);
      expect((await getJson(`${stack.ridesUrl}/readyz`)).status).toBe(200);
    },
    TIMEOUT_MS,
  );

  it(
    'when a rides instance starts with an empty store, then it rebuilds from the topics and, once ready, answers every ride as the first instance does',
    async () => {
      const load = await sendRides(() => stack.ridesUrl, { count: 50 });
      await outcomes.waitForRides(load.accepted);
      const everyRide = [...outcomes.outcomesPerRide().keys()];
      const asServed = await finalStatuses(stack.ridesUrl, everyRide);

      const fresh = ServiceProcess.start('rides', {
        ...stack.env('rides'),
        RIDES_STORE_DIR: stack.newRidesStoreDir(),
      });
      try {
        const listening = await fresh.waitForLog((line) => typeof line['port'] === 'number');
        const url = `http://127.0.0.1:${listening['port'] as number}`;
        const caughtUp = await fresh.waitForLog(logged(CAUGHT_UP));
        const readiness = (await getJson(`${url}/readyz`)) as Readiness;
        const answers = await Promise.all(
          everyRide.map((rideId) => getJson(`${url}/rides/${rideId}`)),
        );

        expect(fresh.logs.some(logged(REBUILDING))).toBe(true);
        // A request and an outcome per ride, read from the beginning.
        expect(caughtUp['eventsApplied']).toBeGreaterThanOrEqual(2 * everyRide.length);
        expect(readiness.status).toBe(200);
        expect(readiness.body.checks['read_model_caught_up']).toBe(true);
        expect(answers).toEqual(asServed);
      } finally {
        await fresh.stop();
      }
    },
    TIMEOUT_MS,
  );
});
