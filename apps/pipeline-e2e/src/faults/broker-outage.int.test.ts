import { faultSuite, FAULT_TEST_TIMEOUT_MS, fastFailover } from '../support/fault-suite';
import {
  recordFigures,
  sendRides,
  LocalBroker,
  exactlyOnce,
  settleAndCount,
} from '@taxi/stack-harness';

const RIDES = Number(process.env['FAULT_RIDES'] ?? 3000) / 2;

describe('the broker going away during load', () => {
  let broker: LocalBroker;
  const suite = faultSuite(async () => {
    broker = await LocalBroker.start(Number(process.env['FAULT_BROKER_PORT'] ?? 19592));
    return {
      brokers: broker.bootstrap,
      env: { transaction: fastFailover, email: fastFailover, analytics: fastFailover },
    };
  });

  afterAll(async () => {
    await broker?.kafka('stop');
  });

  it(
    'when the broker stops mid-stream and comes back, then rides answers 503 meanwhile, every process recovers by itself, and every accepted ride completes once',
    async () => {
      const { stack, kafka, outcomes } = suite;
      let outage: Promise<void> | undefined;
      let seenUnavailable: () => void = () => undefined;
      const unavailable = new Promise<void>((resolve) => (seenUnavailable = resolve));
      const processes = [...stack.instances];

      const load = await sendRides(() => stack.ridesUrl, {
        count: RIDES,
        onUnavailable: () => seenUnavailable(),
        onAccepted: (acceptedSoFar) => {
          if (acceptedSoFar !== Math.floor(RIDES / 3)) return;
          outage = (async () => {
            await broker.kafka('stop');
            await unavailable;
            await broker.kafka('start');
          })();
        },
      });
      await outage;
      const counts = await settleAndCount(stack, kafka, outcomes, load.accepted);

      recordFigures('broker stopped and restarted mid-stream', {
        sent: RIDES,
        answered503: load.unavailable,
        ...counts,
      });
      expect(load.unavailable).toBeGreaterThan(0);
      expect(processes.map((p) => p.exitCode)).toEqual(processes.map(() => null));
      expect(stack.instances).toHaveLength(processes.length);
      expect(counts).toMatchObject(exactlyOnce(RIDES));
      expect(counts.emailResends).toBe(0);
    },
    FAULT_TEST_TIMEOUT_MS,
  );
});
