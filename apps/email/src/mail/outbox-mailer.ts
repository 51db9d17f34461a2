import { mkdirSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Mailer } from '../domain/send-ride-emails';
import { mimeOf } from './message';

/** Writes each email as an `.eml` file (MIME, CRLF line ends) into a folder, for running without a mail server. */
export const outboxMailer = (directory: string): Mailer & { close(): void } => {
  mkdirSync(directory, { recursive: true });
  return {
    send: async (email) => {
      const mime = await mimeOf(email);
      const file = join(directory, `${email.rideId}.${email.kind}.eml`);
      // Written whole, then renamed: a reader never sees half an email.
      await writeFile(`${file}.tmp`, mime);
      await rename(`${file}.tmp`, file);
    },
    close: () => undefined,
  };
};
