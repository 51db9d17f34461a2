import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Mailer } from '../domain/send-ride-emails';
import { mimeOf } from './message';

/**
 * Writes each email as an `.eml` file (MIME, CRLF line ends) into a folder, for running without a
 * mail server, named after the ride and kind as its Message-ID is. The write is synchronous: an
 * email is a few KiB into the page cache, done in microseconds, while the promise API's
 * thread-pool round trips and file handles cost more CPU than the writes themselves.
 *
 * One system call per email (open, write and close happen inside it), straight to the final
 * name: no temporary file renamed into place, which cost a second directory update per email for
 * one guarantee, that a reader never sees a file being written. What a reader can now catch, for
 * the microseconds of the write, or after a crash in the middle of one, is a short file; an email
 * is recorded in the ledger only after its write returned, so a crashed write is redone with the
 * batch, and the whole email (the same bytes, the same Message-ID) replaces it (decision 036).
 */
export const outboxMailer = (directory: string): Mailer & { close(): void } => {
  const folder = resolve(directory);
  mkdirSync(folder, { recursive: true });
  return {
    send: (email) => {
      try {
        writeFileSync(`${folder}/${email.rideId}.${email.kind}.eml`, mimeOf(email));
        return Promise.resolve();
      } catch (error) {
        return Promise.reject(error as Error);
      }
    },
    close: () => undefined,
  };
};
