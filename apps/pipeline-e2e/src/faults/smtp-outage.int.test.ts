import { faultSuite, FAULT_TEST_TIMEOUT_MS } from '../support/fault-suite';
import { recordFigures, sendRides, exactlyOnce, settleAndCount } from '@taxi/stack-harness';

const RIDES = Number(process.env['FAULT_RIDES'] ?? 3000) / 3;

describe('the mail server refusing and then disappearing', () => {
  const suite = faultSuite(() =>
    // A retry budget (about a minute here) longer than the outages below; six connections, each
    // of which the outage may cut right after the server said 250.
    ({ env: { email: { SEND_RETRY_ATTEMPTS: '60', SMTP_POOL_SIZE: '6' } } }),
  );

  it(
    'when SMTP answers 451 for a while and then goes away for a while, then every email is delivered once it is back',
    async () => {
      const { stack, kafka, outcomes } = suite;
      const email = stack.services.email;
      // Email logs the failed emails of a batch once per try of the batch.
      const failedSendTries = () =>
        email.logs
          .filter((line) => line.msg === 'batch entries failed')
          .reduce((tries, line) => tries + Number(line['failed']), 0);
      const failures = (count: number) =>
        email.waitForLog(
          (line) => line.msg === 'batch entries failed' && failedSendTries() >= count,
          `${count} failed send tries`,
        );
      const outages: Promise<void>[] = [];

      const load = await sendRides(() => stack.ridesUrl, {
        count: RIDES,
        onAccepted: (acceptedSoFar) => {
          if (acceptedSoFar === Math.floor(RIDES / 4)) {
            stack.smtp.refuseWith = 451;
            outages.push(
              failures(10).then(() => {
                stack.smtp.refuseWith = undefined;
              }),
            );
          }
          if (acceptedSoFar === Math.floor(RIDES / 2)) {
            outages.push(
              (async () => {
                await Promise.all(outages.slice(0, 1));
                const before = failedSendTries();
                await stack.smtp.disappear();
                await failures(before + 10);
                await stack.smtp.reappear();
              })(),
            );
          }
        },
      });
      await Promise.all(outages);
      const counts = await settleAndCount(stack, kafka, outcomes, load.accepted);

      const failedTries = failedSendTries();
      recordFigures('SMTP refused (451) then unreachable mid-stream', {
        sent: RIDES,
        smtpRefusals: stack.smtp.refusals,
        failedSendTries: failedTries,
        ...counts,
      });
      expect(stack.smtp.refusals).toBeGreaterThanOrEqual(10);
      expect(failedTries).toBeGreaterThanOrEqual(20);
      expect(counts).toMatchObject(exactlyOnce(RIDES));
      // A connection dropped right after the server said 250 is resent, with the same Message-ID.
      expect(counts.emailResends).toBeLessThanOrEqual(6);
    },
    FAULT_TEST_TIMEOUT_MS,
  );
});
