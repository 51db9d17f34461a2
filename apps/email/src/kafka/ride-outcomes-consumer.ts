import type { Kafka } from '@taxi/kafka';
import type { Logger } from 'pino';
import type { RideConfirmedEvent, RideRejectedEvent, Topics } from '@taxi/events';
import { startConsumer, type RetryPolicy, type RunningConsumer, type OnLag } from '@taxi/kafka';
import { confirmationEmail, rejectionEmail, type Email } from '../domain/compose-email';
import { sendRideEmail, type Mailer } from '../domain/send-ride-email';
import { isRetriableMailError } from '../mail/errors';
import type { EmailMetrics } from '../metrics';
import type { startSentLedger } from './sent-ledger';

export interface EmailComposition {
  readonly from: string;
  readonly messageIdDomain: string;
}

export const emailFor = (
  event: RideConfirmedEvent | RideRejectedEvent,
  compose: EmailComposition,
): Email => {
  switch (event.type) {
    case 'ride.confirmed':
      return confirmationEmail(event.payload, compose.from, compose.messageIdDomain);
    case 'ride.rejected':
      return rejectionEmail(event.payload, compose.from, compose.messageIdDomain);
    default: {
      const unexpected: never = event;
      throw new Error(`unexpected event ${JSON.stringify(unexpected)}`);
    }
  }
};

/** ride_confirmed / ride_rejected → one email per ride, at most once per the shared ledger. */
export const startRideOutcomesConsumer = (deps: {
  kafka: Kafka;
  sessionTimeoutMs: number;
  onLag: OnLag;
  topics: Topics;
  groupId: string;
  partitionsConsumedConcurrently: number;
  retry: RetryPolicy;
  compose: EmailComposition;
  mailer: Mailer;
  ledger: Awaited<ReturnType<typeof startSentLedger>>;
  metrics: EmailMetrics;
  logger: Logger;
  onFatal: (error: unknown) => void;
}): Promise<RunningConsumer> =>
  startConsumer({
    kafka: deps.kafka,
    sessionTimeoutMs: deps.sessionTimeoutMs,
    onLag: deps.onLag,
    groupId: deps.groupId,
    contracts: [deps.topics.rideConfirmed, deps.topics.rideRejected],
    service: 'email',
    logger: deps.logger,
    onFatal: deps.onFatal,
    retry: deps.retry,
    isRetriable: isRetriableMailError,
    partitionsConsumedConcurrently: deps.partitionsConsumedConcurrently,
    beforeFirstBatchAfterJoin: () => deps.ledger.catchUp(),
    handle: async (event, context) => {
      const email = emailFor(event as RideConfirmedEvent | RideRejectedEvent, deps.compose);
      const end = deps.metrics.sendDuration.startTimer();
      try {
        const outcome = await sendRideEmail(email, event.correlationId, {
          mailer: deps.mailer,
          ledger: deps.ledger,
          logger: context.logger,
          now: () => new Date(),
        });
        deps.metrics.emails.inc({ kind: email.kind, outcome });
      } catch (error) {
        deps.metrics.emails.inc({ kind: email.kind, outcome: 'failed' });
        throw error;
      } finally {
        end();
      }
    },
  });
