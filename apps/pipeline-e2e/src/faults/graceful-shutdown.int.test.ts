import type { Kafka } from 'kafkajs';
import { testKafka } from '@taxi/testing';
import { recordFigures } from '../support/figures';
import { sendRides } from '../support/load';
import { Outcomes } from '../support/outcomes';
import type { ServiceName } from '../support/service-process';
import { startStack, type Stack } from '../support/stack';
import { exactlyOnce, settleAndCount } from '../support/verify';

const RIDES = Number(process.env['FAULT_RIDES'] ?? 3000) / 2;

jest.setTimeout(15 * 60_000);

describe('SIGTERM during load', () => {
  let stack: Stack;
  let kafka: Kafka;
  let outcomes: Outcomes;

  beforeAll(async () => {
    stack = await startStack();
    kafka = testKafka();
    outcomes = await Outcomes.follow(kafka, stack.prefix);
  });

  afterAll(async () => {
    await outcomes?.stop();
    await stack?.stop();
  });

  it('when each service gets SIGTERM mid-stream and is started again, then it exits 0 within 10 s and nothing is lost or doubled', async () => {
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
  });
});
