import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Mailer } from '../domain/send-ride-emails';
import { mimeOf } from './message';

/**
 * Writes each email as an `.eml` file (MIME, CRLF line ends) into a folder, for running without a
 * mail server. The write is synchronous: an email is a few KiB into the page cache, done in
 * microseconds, while the promise API's thread-pool round trips and file handles (open, write,
 * close, rename: four per email) cost more CPU than the writes themselves.
 */
export const outboxMailer = (directory: string): Mailer & { close(): void } => {
  mkdirSync(directory, { recursive: true });
  return {
    send: (email) => {
      try {
        const file = join(directory, `${email.rideId}.${email.kind}.eml`);
        // Written whole, then renamed: a reader never sees half an email.
        writeFileSync(`${file}.tmp`, mimeOf(email));
        renameSync(`${file}.tmp`, file);
        return Promise.resolve();
      } catch (error) {
        return Promise.reject(error as Error);
      }
    },
    close: () => undefined,
  };
};
