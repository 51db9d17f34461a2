import type { Logger } from 'pino';
import { newEnvelope, type EmailSentEvent, type Topics } from '@taxi/events';
import { read, type Assignment, type KafkaClient, type Publisher } from '@taxi/kafka';
import { emailKey, type SentLedger } from '../domain/send-ride-emails';
import { LEDGER_KEY_BYTES, packLedgerKey } from './ledger-key';
import { RecentKeys } from './recent-keys';

export interface KafkaSentLedger extends SentLedger {
  /**
   * Restores what was sent for the ledger partitions matching the owned outcome partitions (the
   * last `window` records of each) and forgets the partitions no longer owned.
   */
  restore(assignment: Assignment): Promise<void>;
  /** Emails remembered, over all owned partitions. */
  size(): number;
}

/**
 * The ledger of sent emails is the compacted `email_sent` topic, with as many partitions as the
 * outcome topics: the ledger of `ride_confirmed`/`ride_rejected` partition p is `email_sent`
 * partition p. Each record is written to the partition number of the outcome it records, not by its
 * key: after a growth (6 → 12) a ride keyed to p + 6 may still have its outcome in p, written
 * before, and its redelivery comes from p, so its record must be found in p. An instance
 * remembers, per owned partition, the last `window` emails recorded; that covers every email
 * recorded but not yet committed as consumed, which is all a redelivery can bring back (decision
 * 011, and ADR 038 on growth).
 */
export const createSentLedger = (deps: {
  kafka: KafkaClient;
  topics: Topics;
  publisher: Publisher;
  logger: Logger;
  window: number;
}): KafkaSentLedger => {
  const { topics, window, logger } = deps;
  let recorded = new Map<number, RecentKeys>();
  // Accepted by the mail server, not yet recorded (the ledger write failed and the batch is redone):
  // a few batches at most, so plain strings.
  const sentHere = new Set<string>();
  // Every key is packed here, then looked up or copied: packing allocates nothing.
  const scratch = new Uint8Array(LEDGER_KEY_BYTES);
  const keyOf = (email: Parameters<typeof packLedgerKey>[0]) => packLedgerKey(email, scratch);

  const partitionKeys = (partition: number, into = recorded): RecentKeys => {
    let keys = into.get(partition);
    if (!keys) {
      keys = new RecentKeys(window, LEDGER_KEY_BYTES);
      into.set(partition, keys);
    }
    return keys;
  };

  return {
    status: (partition, email) => {
      if (recorded.get(partition)?.has(keyOf(email))) return 'recorded';
      return sentHere.has(emailKey(email)) ? 'sent_not_recorded' : 'unknown';
    },
    noteSent: (email) => {
      sentHere.add(emailKey(email));
    },
    recordSent: async (partition, sent, sentAt) => {
      const events: EmailSentEvent[] = sent.map(({ email, correlationId }) => ({
        ...newEnvelope('email.sent', correlationId, sentAt),
        payload: {
          rideId: email.rideId,
          kind: email.kind,
          messageId: email.messageId,
          sentAt: sentAt.toISOString(),
        },
      }));
      await deps.publisher.publish(topics.emailsSent, events, { partition });
      const keys = partitionKeys(partition);
      for (const { email } of sent) {
        keys.add(keyOf(email));
        sentHere.delete(emailKey(email));
      }
    },
    restore: async (assignment) => {
      const owned = [
        ...new Set([
          ...(assignment[topics.rideConfirmed.name] ?? []),
          ...(assignment[topics.rideRejected.name] ?? []),
        ]),
      ].sort((a, b) => a - b);
      const started = Date.now();
      // Read afresh even for partitions owned before: another instance may have had them since.
      const restored = new Map<number, RecentKeys>();
      owned.forEach((partition) => partitionKeys(partition, restored));
      const reader = await read({
        kafka: deps.kafka,
        contracts: [topics.emailsSent],
        partitions: owned,
        from: { last: window },
        until: 'end-at-start',
        groupPrefix: 'email-ledger',
        logger,
        onBatch: ({ partition, records }) => {
          const keys = partitionKeys(partition, restored);
          for (const { event } of records) keys.add(keyOf(event.payload));
        },
      });
      await reader.done;
      recorded = restored;
      const emails = [...restored.values()].reduce((sum, keys) => sum + keys.size, 0);
      logger.info({ partitions: owned, emails, ms: Date.now() - started }, 'email ledger restored');
    },
    size: () => [...recorded.values()].reduce((sum, keys) => sum + keys.size, 0),
  };
};
