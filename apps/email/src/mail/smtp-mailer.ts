import { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import addressparser from 'nodemailer/lib/addressparser';
import { parseConnectionUrl } from 'nodemailer/lib/shared';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { Pool } from 'tarn';
import type { Email } from '../domain/compose-email';
import type { Mailer } from '../domain/send-ride-emails';
import { PermanentMailError } from './errors';
import { mimeOf } from './message';

interface Connection {
  readonly smtp: SMTPConnection;
  /** Set once the connection cannot carry another email: the pool then replaces it. */
  broken: boolean;
}

const PLAIN_ADDRESS = /^[^\s<>"(),;:@]+@[^\s<>"(),;:@]+$/;

/** The bare address for the SMTP envelope (`Taxi <rides@x>` → `rides@x`). */
const envelopeAddress = (value: string): string => {
  if (PLAIN_ADDRESS.test(value)) return value;
  const [first] = addressparser(value, { flatten: true });
  if (!first?.address) throw new PermanentMailError(`not an email address: ${value}`);
  return first.address;
};

/**
 * A socket that holds back what is written to it while a stream is piped into it, and writes it in
 * one go when that stream unpipes. nodemailer pipes each message through its dot-stuffing stream,
 * which pushes the message, then the closing `.` line: two writes (two system calls and two
 * segments for the server to read) where one does (decision 036). A piped stream unpipes when it
 * ends; one destroyed before that (its message failed) releases the socket when it closes.
 */
const socketWritingEachMessageOnce = (): Socket => {
  const socket = new Socket();
  socket.on('pipe', (message: Readable) => {
    socket.cork();
    let corked = true;
    const release = () => {
      if (!corked) return;
      corked = false;
      socket.uncork();
    };
    socket.once('unpipe', release);
    message.once('close', release);
  });
  return socket;
};

const sendOver = (connection: Connection, envelope: { from: string; to: string[] }, raw: string) =>
  new Promise<void>((resolve, reject) =>
    connection.smtp.send(envelope, raw, (error) => (error ? reject(error) : resolve())),
  );

/**
 * RSET after a refused email, so the connection can carry the next one. A connection lost before
 * the server answers settles it too: nodemailer then drops the RSET's reply handler without calling
 * it, and the send (and with it the partition's batch) would wait forever.
 */
const resetAfterRefusal = (connection: Connection) =>
  new Promise<void>((resolve) => {
    const settle = (broken: boolean) => {
      connection.smtp.off('end', lost);
      connection.smtp.off('error', lost);
      if (broken) connection.broken = true;
      resolve();
    };
    const lost = () => settle(true);
    connection.smtp.once('end', lost);
    connection.smtp.once('error', lost);
    connection.smtp.reset((error) => settle(Boolean(error)));
  });

/**
 * Speaks SMTP to the server in `url` over a pool of `poolSize` connections that stay open.
 * Each email goes straight to a nodemailer SMTP connection (the MIME is built already, see
 * message.ts): nodemailer's `sendMail` wraps every message in a mail object, a MIME node and a
 * stream pipeline again, which cost as much CPU as everything else the service does per email
 * (decision 018). The pool (tarn) opens connections on demand, replaces broken ones, and closes
 * those idle for 30 s; a connection failure fails the waiting sends at once, so that the
 * batch's retry with backoff takes over, as it does for any other SMTP failure.
 */
export const smtpMailer = (url: string, poolSize: number): Mailer & { close(): void } => {
  const options = parseConnectionUrl(url);
  const auth = options.auth?.user
    ? { credentials: { user: options.auth.user, pass: options.auth.pass ?? '' } }
    : undefined;
  const pool = new Pool<Connection>({
    min: 0,
    max: poolSize,
    propagateCreateError: true,
    create: (done) => {
      const connection: Connection = {
        smtp: new SMTPConnection({ ...options, socket: socketWritingEachMessageOnce() }),
        broken: false,
      };
      let settled = false;
      const settle = (error: Error | null) => {
        if (settled) return;
        settled = true;
        if (error) connection.smtp.close();
        done(error, connection);
      };
      // After set-up, a failure surfaces in the send callback too; here it only retires the connection.
      connection.smtp.on('error', (error: Error) => {
        connection.broken = true;
        settle(error);
      });
      connection.smtp.once('end', () => {
        connection.broken = true;
        settle(new Error('the mail server closed the connection'));
      });
      connection.smtp.connect(() => {
        if (!auth) return settle(null);
        connection.smtp.login(auth, (error) => settle(error ?? null));
      });
    },
    destroy: (connection) => connection.smtp.close(),
    validate: (connection) => !connection.broken,
  });
  const envelopeFrom = new Map<string, string>();

  return {
    send: async (email: Email) => {
      let from = envelopeFrom.get(email.from);
      if (from === undefined) {
        from = envelopeAddress(email.from);
        envelopeFrom.set(email.from, from);
      }
      const envelope = { from, to: [envelopeAddress(email.to)] };
      const raw = mimeOf(email);
      const connection = await pool.acquire().promise;
      try {
        await sendOver(connection, envelope, raw);
      } catch (error) {
        const { code, responseCode } = error as { code?: string; responseCode?: number };
        const refused = (code === 'EENVELOPE' || code === 'EMESSAGE') && responseCode !== 421;
        if (refused) await resetAfterRefusal(connection);
        else connection.broken = true;
        if (responseCode !== undefined && responseCode >= 500) {
          throw new PermanentMailError(`mail server refused the email (${responseCode})`, {
            cause: error,
          });
        }
        throw error;
      } finally {
        pool.release(connection);
      }
    },
    close: () => void pool.destroy(),
  };
};
