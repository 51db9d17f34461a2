import type { Logger } from 'pino';
import type { RideConfirmedEvent, RideRejectedEvent, Topics } from '@taxi/events';
import { maskEmail } from '@taxi/service-kit';
import {
  consume,
  type BatchEntry,
  type FetchSettings,
  type KafkaClient,
  type OnLag,
  type RetryPolicy,
  type RunningConsumer,
} from '@taxi/kafka';
import { confirmationEmail, rejectionEmail, type Email } from '../domain/compose-email';
import { sendRideEmails, type Mailer } from '../domain/send-ride-emails';
import { isRetriableMailError } from '../mail/errors';
import type { EmailMetrics } from '../metrics';
import type { KafkaSentLedger } from './sent-ledger';

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

/**
 * Fewer, fuller fetches: a fetch waits for 128 KiB (about 175 outcome events, what one partition
 * may bring) or 500 ms, whichever comes first, instead of returning after every event; an idle
 * partition's email waits at most those 500 ms (ADR 036: at 1,000 rides/s, 64 KiB / 200 ms meant a
 * ledger publish and an offset commit per 20 emails). A fetch brings at most those 128 KiB per
 * partition and 1 MiB in all: everything fetched is held decoded in memory until it is emailed,
 * and what a backlog peaks at stays in RSS (V8's page pool, malloc). kafkajs' 1 MiB per partition
 * over 12 partitions kept the heap above 150 MB; halving 256 KiB / 2 MiB cut email's growth from
 * 100k to 1M rides from +22 % to +13–18 % at the same CPU per email (ADR 035).
 */
export const emailFetchSettings: FetchSettings = {
  minBytes: 128 * 1024,
  maxWaitTimeInMs: 500,
  maxBytesPerPartition: 128 * 1024,
  maxBytes: 1024 * 1024,
};

type OutcomeContract = Topics['rideConfirmed'] | Topics['rideRejected'];

/** ride_confirmed / ride_rejected → one email per ride, a batch per partition at a time. */
export const startRideOutcomesConsumer = (deps: {
  kafka: KafkaClient;
  sessionTimeoutMs: number;
  onLag: OnLag;
  topics: Topics;
  groupId: string;
  partitionsConsumedConcurrently: number;
  maxBatchSize: number;
  retry: RetryPolicy;
  compose: EmailComposition;
  mailer: Mailer;
  limit: <T>(work: () => Promise<T>) => Promise<T>;
  ledger: KafkaSentLedger;
  metrics: EmailMetrics;
  logger: Logger;
  onFatal: (error: unknown) => void;
}): Promise<RunningConsumer> =>
  consume<OutcomeContract>({
    mode: 'at-least-once',
    kafka: deps.kafka,
    sessionTimeoutMs: deps.sessionTimeoutMs,
    onLag: deps.onLag,
    groupId: deps.groupId,
    contracts: [deps.topics.rideConfirmed, deps.topics.rideRejected],
    // The ledger of outcome partition p is email_sent partition p: with fewer ledger partitions
    // (someone grew the outcome topics alone) those outcomes wait, and one line says what to run.
    partitionCountGuard: [
      deps.topics.rideConfirmed,
      deps.topics.rideRejected,
      deps.topics.emailsSent,
    ].map((topic) => topic.name),
    service: 'email',
    logger: deps.logger,
    onFatal: deps.onFatal,
    retry: deps.retry,
    isRetriable: isRetriableMailError,
    partitionsConsumedConcurrently: deps.partitionsConsumedConcurrently,
    maxBatchSize: deps.maxBatchSize,
    fetch: emailFetchSettings,
    onAssigned: (assignment) => deps.ledger.restore(assignment),
    handle: async (entries, source) => {
      const end = deps.metrics.batchDuration.startTimer();
      const emails = entries.map((entry) => ({
        email: emailFor(entry.event, deps.compose),
        correlationId: entry.event.correlationId,
        within: entry.inSpan,
      }));
      const outcomes = await sendRideEmails(source.partition, emails, {
        mailer: deps.mailer,
        ledger: deps.ledger,
        limit: deps.limit,
        now: () => new Date(),
        stopping: source.stopping,
      });
      end();
      const failures = new Map<BatchEntry<OutcomeContract>, unknown>();
      const counts = { sent: 0, already_sent: 0, failed: 0 };
      outcomes.forEach((result, index) => {
        const entry = entries[index] as BatchEntry<OutcomeContract>;
        const { email } = emails[index] as (typeof emails)[number];
        counts[result.outcome] += 1;
        deps.metrics.emails.inc({ kind: email.kind, outcome: result.outcome });
        // Info like every per-ride line: the root logger keeps at most LOG_INFO_PER_SECOND of
        // each kind at info (ADR 036), so one ride's trail reads in full and a flood costs little.
        const fields = { rideId: email.rideId, kind: email.kind, to: maskEmail(email.to) };
        if (result.outcome === 'sent')
          entry.context.logger.info({ ...fields, subject: email.subject }, 'email sent');
        else entry.context.logger.debug(fields, `email ${result.outcome}`);
        if (result.outcome === 'failed') failures.set(entry, result.error);
      });
      deps.logger.info(
        { topic: source.topic, partition: source.partition, ...counts },
        'email batch done',
      );
      return failures;
    },
  });
