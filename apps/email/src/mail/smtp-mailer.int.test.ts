import type { AddressInfo } from 'node:net';
import PostalMime from 'postal-mime';
import { SMTPServer } from 'smtp-server';
import { exampleRideConfirmed } from '@taxi/events';
import { confirmationEmail, type Email } from '../domain/compose-email';
import { smtpMailer } from './smtp-mailer';

/** A real SMTP server on loopback that keeps each message it accepts. */
const startServer = async () => {
  const messages: Buffer[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    disableReverseLookup: true,
    logger: false,
    onData: (stream, _session, callback) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        messages.push(Buffer.concat(chunks));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

const email = (index: number): Email => {
  const ride = exampleRideConfirmed();
  const composed = confirmationEmail(
    {
      ...ride.payload,
      rideId: `${ride.payload.rideId.slice(0, -4)}${String(index).padStart(4, '0')}`,
    },
    'Taxi Kafka <rides@taxi-kafka.local>',
    'taxi-kafka.local',
  );
  // A line that starts with a dot: SMTP must send it doubled, and the server restores it.
  return { ...composed, text: `${composed.text}\n.a line that starts with a dot\n.` };
};

describe('smtpMailer', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let mailer: ReturnType<typeof smtpMailer>;

  beforeEach(async () => {
    server = await startServer();
    mailer = smtpMailer(server.url, 4);
  });

  afterEach(async () => {
    mailer.close();
    await server.stop();
  });

  it('when emails go over the pool, then the server receives each one whole, lines that start with a dot included', async () => {
    // Arrange
    const emails = Array.from({ length: 40 }, (_, index) => email(index));

    // Act
    await Promise.all(emails.map((each) => mailer.send(each)));

    // Assert
    const received = await Promise.all(server.messages.map((raw) => PostalMime.parse(raw)));
    expect(received.map((parsed) => parsed.messageId).sort()).toEqual(
      emails.map((each) => each.messageId).sort(),
    );
    for (const parsed of received) {
      expect(parsed.text?.replace(/\r\n/g, '\n')).toContain('\n.a line that starts with a dot\n.');
    }
  });
});
