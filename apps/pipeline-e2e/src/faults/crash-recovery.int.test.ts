import {
  emailBatches,
  EMAILS_IN_FLIGHT,
  faultSuite,
  FAULT_TEST_TIMEOUT_MS,
  fastFailover,
} from '../support/fault-suite';
import {
  recordFigures,
  sendRides,
  type ServiceName,
  exactlyOnce,
  settleAndCount,
} from '@taxi/stack-harness';

const RIDES = Number(process.env['FAULT_RIDES'] ?? 3000);

describe('crashes in the middle of a stream of rides', () => {
  const suite = faultSuite(() => ({
    env: {
      transaction: fastFailover,
      email: { ...fastFailover, ...emailBatches },
      analytics: fastFailover,
    },
  }));

  it(
    'when transaction, email and analytics are each SIGKILLed and restarted mid-stream, then every ride is decided, emailed and counted exactly once',
    async () => {
      const { stack, kafka, outcomes } = suite;
      const kills: [number, ServiceName][] = [
        [Math.floor(RIDES / 4), 'transaction'],
        [Math.floor(RIDES / 2), 'email'],
        [Math.floor((3 * RIDES) / 4), 'analytics'],
      ];
      const restarts: Promise<void>[] = [];

      const load = await sendRides(() => stack.ridesUrl, {
        count: RIDES,
        onAccepted: (acceptedSoFar) => {
          if (acceptedSoFar % 250 === 0) process.stdout.write(`load: ${acceptedSoFar} accepted\n`);
          for (const [at, service] of kills)
            if (acceptedSoFar === at) restarts.push(stack.restart(service));
        },
      });
      await Promise.all(restarts);
      const counts = await settleAndCount(stack, kafka, outcomes, load.accepted);

      recordFigures('SIGKILL transaction, email, analytics mid-stream', { sent: RIDES, ...counts });
      expect(restarts).toHaveLength(3);
      expect(counts).toMatchObject(exactlyOnce(RIDES));
      expect(counts.rejected).toBe(Math.floor(RIDES / 10));
      // Resends carry the same Message-ID (counted above as one distinct email).
      expect(counts.emailResends).toBeLessThanOrEqual(EMAILS_IN_FLIGHT);
    },
    FAULT_TEST_TIMEOUT_MS,
  );
});
