import nodemailer from 'nodemailer';
import type { Mailer } from '../domain/send-ride-emails';
import { PermanentMailError } from './errors';
import { mimeOf } from './message';

/**
 * Speaks SMTP to the server in `url` over a pool of connections that stay open: nodemailer's
 * default closes a pooled connection after 100 messages, a reconnect that costs more than a send.
 */
export const smtpMailer = (url: string, poolSize: number): Mailer & { close(): void } => {
  const pooled = new URL(url);
  pooled.searchParams.set('pool', 'true');
  pooled.searchParams.set('maxConnections', String(poolSize));
  pooled.searchParams.set('maxMessages', String(Number.MAX_SAFE_INTEGER));
  const transport = nodemailer.createTransport(pooled.toString());
  return {
    send: async (email) => {
      try {
        await transport.sendMail({
          envelope: { from: email.from, to: [email.to] },
          raw: mimeOf(email),
        });
      } catch (error) {
        const code = (error as { responseCode?: number }).responseCode;
        if (code !== undefined && code >= 500) {
          throw new PermanentMailError(`mail server refused the email (${code})`, { cause: error });
        }
        throw error;
      }
    },
    close: () => transport.close(),
  };
};
