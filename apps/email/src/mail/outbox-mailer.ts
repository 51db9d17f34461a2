import { mkdirSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { Mailer } from '../domain/send-ride-emails';
import { toMessage } from './message';

/**
 * Writes each email as an `.eml` file into a folder, for running without a mail server. The files
 * keep MIME's own CRLF line ends: converting them costs another stream stage per email.
 */
export const outboxMailer = (directory: string): Mailer & { close(): void } => {
  mkdirSync(directory, { recursive: true });
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true });
  return {
    send: async (email) => {
      const info = await transport.sendMail(toMessage(email));
      const file = join(directory, `${email.rideId}.${email.kind}.eml`);
      // Written whole, then renamed: a reader never sees half an email.
      await writeFile(`${file}.tmp`, info.message as Buffer);
      await rename(`${file}.tmp`, file);
    },
    close: () => transport.close(),
  };
};
