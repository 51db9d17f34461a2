import { faultSuite, FAULT_TEST_TIMEOUT_MS, fastFailover } from '../support/fault-suite';
import {
  recordFigures,
  sendRides,
  type LogLine,
  type ServiceProcess,
  exactlyOnce,
  settleAndCount,
} from '@taxi/stack-harness';

/** Small on purpose: 30 drivers (5 per partition) and bursts over three times that. */
const FLEET_SIZE = 30;
const BURST = 100;

const isJoin = (line: LogLine) => line.msg === 'joined consumer group';

/** Booked drivers → how many confirmations each got. */
const bookings = (drivers: readonly string[]) => {
  const counts = new Map<string, number>();
  for (const driver of drivers) counts.set(driver, (counts.get(driver) ?? 0) + 1);
  return counts;
};

describe('drivers owned by partitions, with two transaction instances', () => {
  const suite = faultSuite(() => ({
    env: {
      // Drivers stay busy for the real trip time: tens of minutes, longer than the test.
      transaction: { ...fastFailover, FLEET_SIZE: String(FLEET_SIZE), DRIVER_BUSY_TIME_SCALE: '1' },
    },
  }));
  let second: ServiceProcess;

  beforeAll(async () => {
    second = await suite.stack.addInstance('transaction');
    await suite.stack.services.transaction.waitForLogs(isJoin, 2);
  }, FAULT_TEST_TIMEOUT_MS);

  it(
    'when bursts larger than the fleet arrive while one instance is SIGKILLed mid-burst and the other restarted, then no driver is ever confirmed twice and every ride is decided exactly once',
    async () => {
      const { stack, kafka, outcomes } = suite;
      const kills: Promise<unknown>[] = [];

      const first = await sendRides(() => stack.ridesUrl, {
        count: BURST,
        onAccepted: (acceptedSoFar) => {
          if (acceptedSoFar === BURST / 2) kills.push(second.stop('SIGKILL'));
        },
      });
      await Promise.all(kills);
      await outcomes.waitForRides(first.accepted);
      const bookedBeforeRestart = outcomes.driversConfirmed();
      // The survivor now owns every partition: a restart must read every shard back.
      await stack.restart('transaction');
      const afterRestart = await sendRides(() => stack.ridesUrl, { count: BURST });
      const accepted = [...first.accepted, ...afterRestart.accepted];
      const counts = await settleAndCount(stack, kafka, outcomes, accepted);

      const booked = bookings(outcomes.driversConfirmed());
      const doubleBooked = [...booked].filter(([, times]) => times > 1);
      recordFigures('two transaction instances, 30 drivers, one SIGKILLed, one restarted', {
        sent: 2 * BURST,
        ...counts,
        driversBooked: booked.size,
        doubleBooked: doubleBooked.length,
      });
      expect(counts).toMatchObject(exactlyOnce(2 * BURST));
      expect(counts.confirmed + counts.rejected).toBe(2 * BURST);
      expect(bookedBeforeRestart.length).toBeGreaterThan(0);
      expect(booked.size).toBeLessThanOrEqual(FLEET_SIZE);
      expect(doubleBooked).toEqual([]);
      // Drivers still busy after the restart: nothing booked before it is booked again after.
      expect(counts.confirmed).toBe(booked.size);
    },
    FAULT_TEST_TIMEOUT_MS,
  );
});
