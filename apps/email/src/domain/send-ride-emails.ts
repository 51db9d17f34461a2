import type { Email } from './compose-email';

export interface Mailer {
  /** Hands the email to the mail server (or outbox). Throws on failure. */
  send(email: Email): Promise<void>;
}

/** An email of the batch with the correlation id of the event it answers. */
export interface RideEmail {
  readonly email: Email;
  readonly correlationId: string;
  /** Runs the send in the context of the event it answers (its trace span), if given. */
  readonly within?: <T>(work: () => T) => T;
}

export type LedgerStatus = 'recorded' | 'sent_not_recorded' | 'unknown';

/** What was sent, for the rides of one ledger partition (the partition of the batch). */
export interface SentLedger {
  status(partition: number, email: Email): LedgerStatus;
  /** Notes, in memory, that the mail server accepted it (before recording it durably). */
  noteSent(email: Email): void;
  /** Durably records the emails as sent, in one write; resolves once recorded. */
  recordSent(partition: number, sent: readonly RideEmail[], sentAt: Date): Promise<void>;
}

export type EmailOutcome =
  | { readonly outcome: 'sent' | 'already_sent' }
  | { readonly outcome: 'failed'; readonly error: unknown };

/** An email not handed over because the service is stopping; it is redelivered after. */
export class StoppingError extends Error {
  constructor() {
    super('not sent: the service is stopping');
    this.name = 'StoppingError';
  }
}

export const emailKey = (email: Pick<Email, 'rideId' | 'kind'>): string =>
  `${email.rideId}:${email.kind}`;

/**
 * Sends a batch of one partition's ride emails: each one the ledger does not know yet is sent,
 * concurrently (as far as `limit` lets), and every email the mail server accepted is recorded in
 * one ledger write. Returns an outcome per email, in the order given. A failed ledger write
 * throws: the batch is redone, and what the mail server had accepted is recorded, not sent again.
 */
export const sendRideEmails = async (
  partition: number,
  batch: readonly RideEmail[],
  deps: {
    mailer: Mailer;
    ledger: SentLedger;
    limit: <T>(work: () => Promise<T>) => Promise<T>;
    now: () => Date;
    /** True once a graceful stop began: emails not handed over yet are left for redelivery. */
    stopping?: () => boolean;
  },
): Promise<EmailOutcome[]> => {
  // The same ride email twice in one batch (a redelivered event) is sent once.
  const firstOf = new Map<string, RideEmail>();
  for (const entry of batch)
    if (!firstOf.has(emailKey(entry.email))) firstOf.set(emailKey(entry.email), entry);

  const results = new Map<string, EmailOutcome>();
  const accepted: RideEmail[] = [];
  await Promise.all(
    [...firstOf].map(async ([key, entry]) => {
      const status = deps.ledger.status(partition, entry.email);
      if (status === 'recorded') return results.set(key, { outcome: 'already_sent' });
      try {
        if (status === 'unknown') {
          await deps.limit(() => {
            if (deps.stopping?.()) throw new StoppingError();
            const send = () => deps.mailer.send(entry.email);
            return entry.within ? entry.within(send) : send();
          });
          deps.ledger.noteSent(entry.email);
        }
        accepted.push(entry);
        return results.set(key, { outcome: 'sent' });
      } catch (error) {
        return results.set(key, { outcome: 'failed', error });
      }
    }),
  );
  if (accepted.length > 0) await deps.ledger.recordSent(partition, accepted, deps.now());

  const seen = new Set<string>();
  return batch.map((entry) => {
    const key = emailKey(entry.email);
    const result = results.get(key) as EmailOutcome;
    const duplicate = seen.has(key);
    seen.add(key);
    return duplicate && result.outcome === 'sent' ? { outcome: 'already_sent' } : result;
  });
};
