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
  type LogLine,
  type ServiceName,
  type ServiceProcess,
  exactlyOnce,
  settleAndCount,
} from '@taxi/stack-harness';

const RIDES = Number(process.env['FAULT_RIDES'] ?? 3000) / 2;
const CONSUMERS: ServiceName[] = ['transaction', 'email', 'analytics'];

const isJoin = (line: LogLine) => line.msg === 'joined consumer group';
const partitionsOf = (line: LogLine | undefined) =>
  Object.values((line?.['assignment'] ?? {}) as Record<string, number[]>).flat().length;

describe('two instances of each consumer service', () => {
  const suite = faultSuite(() => ({
    env: {
      transaction: fastFailover,
      email: { ...fastFailover, ...emailBatches },
      analytics: fastFailover,
    },
  }));

  const second = {} as Record<ServiceName, ServiceProcess>;

  beforeAll(async () => {
    for (const service of CONSUMERS) {
      second[service] = await suite.stack.addInstance(service);
      // The first instance rejoins when the second arrives: the partitions are split then.
      await suite.stack.services[service].waitForLogs(isJoin, 2);
    }
  }, FAULT_TEST_TIMEOUT_MS);

  it(
    'when the instances split the partitions and one of each is killed mid-stream, then the other takes over with no loss and no duplicates',
    async () => {
      const { stack, kafka, outcomes } = suite;
      for (const service of CONSUMERS) {
        const lastJoin = (instance: ServiceProcess) => instance.logs.filter(isJoin).at(-1);
        expect(partitionsOf(lastJoin(stack.services[service]))).toBeGreaterThan(0);
        expect(partitionsOf(lastJoin(second[service]))).toBeGreaterThan(0);
      }
      const kills: Promise<unknown>[] = [];

      const load = await sendRides(() => stack.ridesUrl, {
        count: RIDES,
        onAccepted: (acceptedSoFar) => {
          if (acceptedSoFar !== Math.floor(RIDES / 3)) return;
          for (const service of CONSUMERS) kills.push(stack.services[service].stop('SIGKILL'));
        },
      });
      await Promise.all(kills);
      // /stats from the survivor: every instance reads the whole analytics state.
      const analyticsPort = second.analytics.logs.find(
        (line) => typeof line['port'] === 'number',
      )?.['port'];
      stack.ports.analytics = analyticsPort as number;
      const counts = await settleAndCount(stack, kafka, outcomes, load.accepted);

      const survivorsTookOver = CONSUMERS.every(
        (service) => second[service].logs.filter(isJoin).length >= 2,
      );
      recordFigures('two instances each, one of each SIGKILLed mid-stream', {
        sent: RIDES,
        ...counts,
      });
      expect(survivorsTookOver).toBe(true);
      expect(counts).toMatchObject(exactlyOnce(RIDES));
      expect(counts.emailResends).toBeLessThanOrEqual(EMAILS_IN_FLIGHT);
    },
    FAULT_TEST_TIMEOUT_MS,
  );
});
