import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { exampleRideConfirmed, exampleRideRejected } from '@taxi/events';
import { confirmationEmail, rejectionEmail } from '../domain/compose-email';
import { outboxMailer } from './outbox-mailer';

const from = 'Taxi Kafka <rides@taxi-kafka.local>';
const domain = 'taxi-kafka.local';

describe('outboxMailer', () => {
  let directory: string;

  beforeEach(() => {
    directory = path.join(mkdtempSync(path.join(tmpdir(), 'outbox-')), 'outbox');
  });

  afterEach(() => rmSync(path.dirname(directory), { recursive: true, force: true }));

  it('when emails are sent, then the folder holds one .eml per email, named after ride and kind, with its MIME', async () => {
    const confirmation = confirmationEmail(exampleRideConfirmed().payload, from, domain);
    const rejection = rejectionEmail(exampleRideRejected().payload, from, domain);
    const mailer = outboxMailer(directory);

    await mailer.send(confirmation);
    await mailer.send(rejection);

    expect(readdirSync(directory).sort()).toEqual(
      [`${confirmation.rideId}.confirmation.eml`, `${rejection.rideId}.rejection.eml`].sort(),
    );
    const written = readFileSync(path.join(directory, `${confirmation.rideId}.confirmation.eml`));
    expect(written.toString()).toContain(`\r\nX-Ride-Id: ${confirmation.rideId}\r\n`);
    expect(written.toString()).toContain(`\r\nSubject: ${confirmation.subject}\r\n`);
  });

  it('when an email is sent again after a crash left its file cut short, then the file is whole again', async () => {
    const email = confirmationEmail(exampleRideConfirmed().payload, from, domain);
    const mailer = outboxMailer(directory);
    await mailer.send(email);
    const file = path.join(directory, `${email.rideId}.confirmation.eml`);
    const whole = readFileSync(file);
    writeFileSync(file, whole.subarray(0, 100));

    await mailer.send(email);

    expect(readFileSync(file).subarray(0, 200)).toEqual(whole.subarray(0, 200));
    expect(readFileSync(file).length).toBe(whole.length);
    expect(readdirSync(directory)).toHaveLength(1);
  });

  it('when the file cannot be written, then the send fails with the error', async () => {
    const mailer = outboxMailer(directory);
    rmSync(directory, { recursive: true });

    const send = mailer.send(confirmationEmail(exampleRideConfirmed().payload, from, domain));

    await expect(send).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
