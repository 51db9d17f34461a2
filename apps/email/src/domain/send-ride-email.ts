import type { Logger } from 'pino';
import { maskEmail } from '@taxi/service-kit';
import type { Email } from './compose-email';

export interface Mailer {
  /** Hands the email to the mail server (or outbox). Throws on failure. */
  send(email: Email): Promise<void>;
}

export interface SentLedger {
  /** True if this ride's email of this kind is recorded as handed to the mail server. */
  wasSent(rideId: string, kind: Email['kind']): boolean;
  /** True if this process handed it to the mail server but has not recorded it yet. */
  sentButNotRecorded(rideId: string, kind: Email['kind']): boolean;
  /** Notes, in memory, that the mail server accepted it (before recording it durably). */
  noteSent(rideId: string, kind: Email['kind']): void;
  /** Durably records the email as sent; resolves once recorded. */
  recordSent(email: Email, context: { sentAt: Date; correlationId: string }): Promise<void>;
}

export type SendOutcome = 'sent' | 'already_sent';

/** Sends a ride's email unless the ledger says it went out already, then records it. */
export const sendRideEmail = async (
  email: Email,
  correlationId: string,
  deps: { mailer: Mailer; ledger: SentLedger; logger: Logger; now: () => Date },
): Promise<SendOutcome> => {
  const log = deps.logger.child({
    rideId: email.rideId,
    kind: email.kind,
    to: maskEmail(email.to),
  });
  if (deps.ledger.wasSent(email.rideId, email.kind)) {
    log.info('email already sent, skipping');
    return 'already_sent';
  }
  // A retry after a failed record (Kafka briefly unavailable) records; it does not send again.
  if (!deps.ledger.sentButNotRecorded(email.rideId, email.kind)) {
    await deps.mailer.send(email);
    deps.ledger.noteSent(email.rideId, email.kind);
  }
  await deps.ledger.recordSent(email, { sentAt: deps.now(), correlationId });
  log.info({ subject: email.subject }, 'email sent');
  return 'sent';
};
