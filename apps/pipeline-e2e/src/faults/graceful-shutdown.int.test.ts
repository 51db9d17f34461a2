import { faultSuite, FAULT_TEST_TIMEOUT_MS } from '../support/fault-suite';
import {
  recordFigures,
  sendRides,
  type ServiceName,
  exactlyOnce,
  settleAndCount,
} from '@taxi/stack-harness';

const RIDES = Number(process.env['FAULT_RIDES'] ?? 3000) / 2;

describe('SIGTERM during load', () => {
  const suite = faultSuite();

  it(
    'when each service gets SIGTERM mid-stream and is started again, then it exits 0 within 10 s and nothing is lost or doubled',
    async () => {
      const { stack, kafka, outcomes } = suite;
      const order: ServiceName[] = ['transaction', 'email', 'analytics', 'rides'];
      const stops: Promise<{ service: ServiceName; exitCode: number | null; ms: number }>[] = [];

      const load = await sendRides(() => stack.ridesUrl, {
        count: RIDES,
        onAccepted: (acceptedSoFar) => {
          const index = order.findIndex(
            (_, i) => acceptedSoFar === Math.floor(((i + 1) * RIDES) / 5),
          );
          const service = order[index];
          if (!service) return;
          stops.push(
            (async () => {
              const started = Date.now();
              const exitCode = await stack.services[service].stop('SIGTERM');
              const ms = Date.now() - started;
              await stack.launch(service);
              return { service, exitCode, ms };
            })(),
          );
        },
      });
      const stopped = await Promise.all(stops);
      const counts = await settleAndCount(stack, kafka, outcomes, load.accepted);

      recordFigures('SIGTERM each service mid-stream', {
        sent: RIDES,
        slowestShutdownMs: Math.max(...stopped.map((s) => s.ms)),
        ...counts,
      });
      expect(stopped.map((s) => [s.service, s.exitCode])).toEqual(
        order.map((service) => [service, 0]),
      );
      expect(Math.max(...stopped.map((s) => s.ms))).toBeLessThan(10_000);
      expect(counts).toMatchObject(exactlyOnce(RIDES));
      expect(counts.emailResends).toBe(0);
    },
    FAULT_TEST_TIMEOUT_MS,
  );
});
