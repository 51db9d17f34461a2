import type { AddressInfo, Socket } from 'node:net';
import PostalMime from 'postal-mime';
import { SMTPServer } from 'smtp-server';
import { exampleRideConfirmed } from '@taxi/events';
import { confirmationEmail, type Email } from '../domain/compose-email';
import { smtpMailer } from './smtp-mailer';

/**
 * A real SMTP server on loopback that keeps each message it accepts. `refuseRecipients`: every RCPT
 * is answered 451; `dropOnReset`: a connection that sends RSET is cut before it is answered.
 */
const startServer = async () => {
  const messages: Buffer[] = [];
  const behaviour = { refuseRecipients: false, dropOnReset: false };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    disableReverseLookup: true,
    logger: false,
    onRcptTo: (_address, _session, callback) =>
      callback(
        behaviour.refuseRecipients
          ? Object.assign(new Error('try again later'), { responseCode: 451 })
          : undefined,
      ),
    onData: (stream, _session, callback) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        messages.push(Buffer.concat(chunks));
        callback();
      });
    },
  });
  // Watches what each connection sends once smtp-server reads it (its pipe resumes the socket).
  server.server.on('connection', (socket: Socket) =>
    socket.once('resume', () =>
      socket.prependListener('data', (chunk: Buffer) => {
        if (behaviour.dropOnReset && chunk.toString('latin1').startsWith('RSET')) socket.destroy();
      }),
    ),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    behaviour,
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

  it('when the server refuses an email and drops the connection before answering RSET, then the send fails instead of waiting for ever', async () => {
    // Arrange
    server.behaviour.refuseRecipients = true;
    server.behaviour.dropOnReset = true;

    // Act
    const sent = mailer.send(email(1));

    // Assert
    await expect(sent).rejects.toMatchObject({ responseCode: 451 });
    server.behaviour.refuseRecipients = false;
    await mailer.send(email(2));
    expect(server.messages).toHaveLength(1);
  });
});
