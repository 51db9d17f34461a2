import type { Kafka } from '@taxi/kafka';
import type { Logger } from 'pino';
import { decode, newEnvelope, type EmailSentEvent, type Topics } from '@taxi/events';
import { startTable, type Publisher, type Table } from '@taxi/kafka';
import type { SentLedger } from '../domain/send-ride-email';

/**
 * The ledger of sent emails lives in the compacted `email_sent` topic, so every instance shares
 * it: when a partition moves to another instance, the new owner knows what the old one sent.
 */
export const startSentLedger = async (deps: {
  kafka: Kafka;
  topics: Topics;
  publisher: Publisher;
  logger: Logger;
  onFatal: (error: unknown) => void;
}): Promise<
  SentLedger & { catchUp(): Promise<void>; stop(): Promise<void>; table: Table<EmailSentEvent> }
> => {
  const keyOf = (rideId: string, kind: string) => `${rideId}:${kind}`;
  // Recorded by this instance but not yet read back from the topic.
  const recordedHere = new Set<string>();
  // Accepted by the mail server, not yet recorded (the record failed and is being retried).
  const sentHere = new Set<string>();
  const table = await startTable<EmailSentEvent>({
    kafka: deps.kafka,
    topic: deps.topics.emailsSent.name,
    logger: deps.logger,
    onFatal: deps.onFatal,
    parse: (message) => {
      const decoded = decode(deps.topics.emailsSent, message.value);
      return decoded.ok ? decoded.value : undefined;
    },
    onRow: (key) => recordedHere.delete(key),
  });
  return {
    table,
    sentButNotRecorded: (rideId, kind) => sentHere.has(keyOf(rideId, kind)),
    noteSent: (rideId, kind) => {
      sentHere.add(keyOf(rideId, kind));
    },
    wasSent: (rideId, kind) =>
      recordedHere.has(keyOf(rideId, kind)) || table.get(keyOf(rideId, kind)) !== undefined,
    recordSent: async (email, { sentAt, correlationId }) => {
      const event: EmailSentEvent = {
        ...newEnvelope('email.sent', correlationId, sentAt),
        payload: {
          rideId: email.rideId,
          kind: email.kind,
          messageId: email.messageId,
          sentAt: sentAt.toISOString(),
        },
      };
      await deps.publisher.publish(deps.topics.emailsSent, [event]);
      recordedHere.add(keyOf(email.rideId, email.kind));
      sentHere.delete(keyOf(email.rideId, email.kind));
    },
    catchUp: () => table.catchUp(),
    stop: () => table.stop(),
  };
};
