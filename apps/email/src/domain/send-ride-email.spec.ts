import { exampleRideConfirmed } from '@taxi/events';
import pino from 'pino';
import { confirmationEmail } from './compose-email';
import { sendRideEmail, type Mailer, type SentLedger } from './send-ride-email';

const email = confirmationEmail(
  exampleRideConfirmed().payload,
  'rides@taxi.example',
  'taxi.example',
);
const now = new Date('2026-11-21T10:00:01.000Z');

const fakes = (alreadySent: boolean) => {
  const mailer = {
    send: jest.fn<Promise<void>, Parameters<Mailer['send']>>().mockResolvedValue(undefined),
  };
  const noted = new Set<string>();
  const ledger = {
    wasSent: jest.fn<boolean, Parameters<SentLedger['wasSent']>>().mockReturnValue(alreadySent),
    sentButNotRecorded: (rideId: string, kind: string) => noted.has(`${rideId}:${kind}`),
    noteSent: (rideId: string, kind: string) => {
      noted.add(`${rideId}:${kind}`);
    },
    recordSent: jest
      .fn<Promise<void>, Parameters<SentLedger['recordSent']>>()
      .mockResolvedValue(undefined),
  };
  return { mailer, ledger, logger: pino({ level: 'silent' }), now: () => now };
};

describe('sendRideEmail', () => {
  it('when the ledger says the email was already sent, then it is not sent again', async () => {
    const deps = fakes(true);

    const outcome = await sendRideEmail(email, 'corr-1', deps);

    expect(outcome).toBe('already_sent');
    expect(deps.ledger.wasSent).toHaveBeenCalledWith(email.rideId, 'confirmation');
    expect(deps.mailer.send).not.toHaveBeenCalled();
    expect(deps.ledger.recordSent).not.toHaveBeenCalled();
  });

  it('when the email was not sent yet, then it is sent once and then recorded with the correlation id', async () => {
    const deps = fakes(false);

    const outcome = await sendRideEmail(email, 'corr-7', deps);

    expect(outcome).toBe('sent');
    expect(deps.mailer.send).toHaveBeenCalledTimes(1);
    expect(deps.mailer.send).toHaveBeenCalledWith(email);
    expect(deps.ledger.recordSent).toHaveBeenCalledTimes(1);
    expect(deps.ledger.recordSent).toHaveBeenCalledWith(email, {
      sentAt: now,
      correlationId: 'corr-7',
    });
    const [sentOrder] = deps.mailer.send.mock.invocationCallOrder;
    const [recordedOrder] = deps.ledger.recordSent.mock.invocationCallOrder;
    expect(sentOrder).toBeLessThan(recordedOrder as number);
  });

  it('when the mailer fails, then nothing is recorded and the error reaches the caller', async () => {
    const deps = fakes(false);
    const failure = new Error('SMTP 451 try again later');
    deps.mailer.send.mockRejectedValue(failure);

    const sending = sendRideEmail(email, 'corr-1', deps);

    await expect(sending).rejects.toBe(failure);
    expect(deps.ledger.recordSent).not.toHaveBeenCalled();
  });

  it('when recording fails after the mail server accepted, then the retry records without sending again', async () => {
    const deps = fakes(false);
    deps.ledger.recordSent.mockRejectedValueOnce(new Error('broker unavailable'));

    await expect(sendRideEmail(email, 'corr-1', deps)).rejects.toThrow('broker unavailable');
    const retried = await sendRideEmail(email, 'corr-1', deps);

    expect(retried).toBe('sent');
    expect(deps.mailer.send).toHaveBeenCalledTimes(1);
    expect(deps.ledger.recordSent).toHaveBeenCalledTimes(2);
  });
});
