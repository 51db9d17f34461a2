import { exampleRideConfirmed, exampleRideRejected } from '@taxi/events';
import { confirmationEmail, rejectionEmail, type Email } from './compose-email';
import {
  emailKey,
  sendRideEmails,
  type LedgerStatus,
  type Mailer,
  type RideEmail,
  type SentLedger,
  StoppingError,
} from './send-ride-emails';
import { PermanentMailError } from '../mail/errors';

const from = 'rides@taxi.example';
const domain = 'taxi.example';
const rideIds = [
  '0b6c1c4e-8f43-4a5e-9d2b-0a1c2d3e4f50',
  '1b6c1c4e-8f43-4a5e-9d2b-0a1c2d3e4f51',
  '2b6c1c4e-8f43-4a5e-9d2b-0a1c2d3e4f52',
] as const;
const [rideA, rideB, rideC] = rideIds;
const confirmation = (rideId: string): RideEmail => ({
  email: confirmationEmail(exampleRideConfirmed({ rideId }).payload, from, domain),
  correlationId: `corr-${rideId}`,
});
const rejection = (rideId: string): RideEmail => ({
  email: rejectionEmail(exampleRideRejected({ rideId }).payload, from, domain),
  correlationId: `corr-${rideId}`,
});
const now = new Date('2026-11-21T10:00:01.000Z');

/** An in-memory ledger with the same contract as the Kafka one. */
const fakeLedger = (recordedBefore: readonly Email[] = []) => {
  const recorded = new Set(recordedBefore.map(emailKey));
  const sentHere = new Set<string>();
  const writes: string[][] = [];
  const ledger: SentLedger & { failNextWrite?: Error } = {
    status: (_partition, email): LedgerStatus =>
      recorded.has(emailKey(email))
        ? 'recorded'
        : sentHere.has(emailKey(email))
          ? 'sent_not_recorded'
          : 'unknown',
    noteSent: (email) => sentHere.add(emailKey(email)),
    recordSent: async (_partition, sent) => {
      const failure = ledger.failNextWrite;
      if (failure) {
        ledger.failNextWrite = undefined;
        throw failure;
      }
      writes.push(sent.map(({ email }) => emailKey(email)));
      sent.forEach(({ email }) => recorded.add(emailKey(email)));
    },
  };
  return { ledger, writes };
};

const fakeMailer = (refuse: (email: Email) => Error | undefined = () => undefined) => {
  const delivered: string[] = [];
  const mailer: Mailer = {
    send: async (email) => {
      const error = refuse(email);
      if (error) throw error;
      delivered.push(email.messageId);
    },
  };
  return { mailer, delivered };
};

const run = (batch: readonly RideEmail[], mailer: Mailer, ledger: SentLedger) =>
  sendRideEmails(3, batch, { mailer, ledger, limit: (work) => work(), now: () => now });

describe('sendRideEmails', () => {
  it('when a batch of new rides arrives, then each email is sent once and all are recorded in one write', async () => {
    const { mailer, delivered } = fakeMailer();
    const { ledger, writes } = fakeLedger();
    const batch = [confirmation(rideA), rejection(rideB), confirmation(rideC)];

    const outcomes = await run(batch, mailer, ledger);

    expect(outcomes.map((o) => o.outcome)).toEqual(['sent', 'sent', 'sent']);
    expect(delivered.sort()).toEqual(batch.map((e) => e.email.messageId).sort());
    expect(writes).toHaveLength(1);
    expect(writes[0]?.sort()).toEqual(batch.map((e) => emailKey(e.email)).sort());
  });

  it('when the same message arrives twice, then one email', async () => {
    const { mailer, delivered } = fakeMailer();
    const { ledger, writes } = fakeLedger();
    const twice = confirmation(rideA);

    const inOneBatch = await run([twice, twice], mailer, ledger);
    const inTheNext = await run([twice], mailer, ledger);

    expect(inOneBatch.map((o) => o.outcome)).toEqual(['sent', 'already_sent']);
    expect(inTheNext.map((o) => o.outcome)).toEqual(['already_sent']);
    expect(delivered).toEqual([twice.email.messageId]);
    expect(writes).toEqual([[emailKey(twice.email)]]);
  });

  it('when the ledger already records an email, then it is skipped and nothing is written for it', async () => {
    const old = confirmation(rideA);
    const fresh = confirmation(rideB);
    const { mailer, delivered } = fakeMailer();
    const { ledger, writes } = fakeLedger([old.email]);

    const outcomes = await run([old, fresh], mailer, ledger);

    expect(outcomes.map((o) => o.outcome)).toEqual(['already_sent', 'sent']);
    expect(delivered).toEqual([fresh.email.messageId]);
    expect(writes).toEqual([[emailKey(fresh.email)]]);
  });

  it('when the mail server refuses one email, then only that one fails, with its error, and the rest are recorded', async () => {
    const refused = confirmation(rideB);
    const refusal = new PermanentMailError('mail server refused the email (550)');
    const { mailer, delivered } = fakeMailer((email) =>
      email.messageId === refused.email.messageId ? refusal : undefined,
    );
    const { ledger, writes } = fakeLedger();
    const batch = [confirmation(rideA), refused, rejection(rideC)];

    const outcomes = await run(batch, mailer, ledger);

    expect(outcomes[1]).toEqual({ outcome: 'failed', error: refusal });
    expect(outcomes.filter((o) => o.outcome === 'sent')).toHaveLength(2);
    expect(delivered).not.toContain(refused.email.messageId);
    expect(writes[0]).not.toContain(emailKey(refused.email));
  });

  it('when every email of the batch fails, then nothing is written to the ledger', async () => {
    const { mailer } = fakeMailer(() => new Error('connection refused'));
    const { ledger, writes } = fakeLedger();

    const outcomes = await run([confirmation(rideA)], mailer, ledger);

    expect(outcomes.map((o) => o.outcome)).toEqual(['failed']);
    expect(writes).toEqual([]);
  });

  it('when the ledger write fails, then the batch throws, and its redo records without sending again', async () => {
    const { mailer, delivered } = fakeMailer();
    const { ledger, writes } = fakeLedger();
    ledger.failNextWrite = new Error('broker unavailable');
    const batch = [confirmation(rideA), rejection(rideB)];

    await expect(run(batch, mailer, ledger)).rejects.toThrow('broker unavailable');
    const redone = await run(batch, mailer, ledger);

    expect(redone.map((o) => o.outcome)).toEqual(['sent', 'sent']);
    expect(delivered).toHaveLength(2);
    expect(writes).toHaveLength(1);
  });

  it('when a limit is given, then no more emails than it allows are with the mail server at once', async () => {
    let open = 0;
    let most = 0;
    const mailer: Mailer = {
      send: async () => {
        open += 1;
        most = Math.max(most, open);
        await new Promise<void>((resolve) => setImmediate(resolve));
        open -= 1;
      },
    };
    const { ledger } = fakeLedger();
    const { default: pLimit } = await import('p-limit');

    await sendRideEmails(0, rideIds.map(confirmation), {
      mailer,
      ledger,
      limit: pLimit(2),
      now: () => now,
    });

    expect(most).toBe(2);
  });

  it('when the service is stopping, then no further email is handed over and none is recorded', async () => {
    const { mailer, delivered } = fakeMailer();
    const { ledger, writes } = fakeLedger();

    const outcomes = await sendRideEmails(0, [confirmation(rideA)], {
      mailer,
      ledger,
      limit: (work) => work(),
      now: () => now,
      stopping: () => true,
    });

    expect(outcomes[0]).toMatchObject({ outcome: 'failed', error: expect.any(StoppingError) });
    expect(delivered).toEqual([]);
    expect(writes).toEqual([]);
  });
});
