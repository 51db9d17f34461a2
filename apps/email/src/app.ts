import pLimit from 'p-limit';
import type { Logger } from 'pino';
import { createPublisher } from '@taxi/kafka';
import {
  consumerLagMetric,
  createMetricsRegistry,
  connectToKafka,
  partitionCountCheck,
  ensureWritableDirectory,
  opsRoutes,
  startOpsServer,
  type Service,
} from '@taxi/service-kit';
import type { EmailConfig } from './config';
import { startRideOutcomesConsumer } from './kafka/ride-outcomes-consumer';
import { createSentLedger } from './kafka/sent-ledger';
import { outboxMailer } from './mail/outbox-mailer';
import { smtpMailer } from './mail/smtp-mailer';
import { tracedMailer } from './mail/traced-mailer';
import type { Mailer } from './domain/send-ride-emails';
import { emailMetrics, type EmailMetrics } from './metrics';

const timed = (mailer: Mailer, metrics: EmailMetrics): Mailer => ({
  send: async (email) => {
    const end = metrics.sendDuration.startTimer();
    try {
      await mailer.send(email);
    } finally {
      end();
    }
  },
});

export interface EmailService extends Service {
  readonly port: number;
}

export const start = async (
  config: EmailConfig,
  logger: Logger,
  onFatal: (error: unknown) => void,
): Promise<EmailService> => {
  if (!config.SMTP_URL) ensureWritableDirectory('OUTBOX_DIR', config.OUTBOX_DIR);
  const { kafka, topics } = await connectToKafka(config, logger);
  const registry = createMetricsRegistry('email');
  const metrics = emailMetrics(registry);
  const mailer = tracedMailer(
    config.SMTP_URL
      ? smtpMailer(config.SMTP_URL, config.SMTP_POOL_SIZE)
      : outboxMailer(config.OUTBOX_DIR),
    config.SMTP_URL,
  );
  logger.info(
    config.SMTP_URL ? { smtp: new URL(config.SMTP_URL).host } : { outbox: config.OUTBOX_DIR },
    'emails go to',
  );
  const publisher = await createPublisher({ kafka, logger });
  const ledger = createSentLedger({
    kafka,
    topics,
    publisher,
    logger,
    window: config.LEDGER_RESTORE_WINDOW,
  });
  const consumer = await startRideOutcomesConsumer({
    kafka,
    onLag: consumerLagMetric(registry, config.KAFKA_GROUP_ID),
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
    topics,
    groupId: config.KAFKA_GROUP_ID,
    partitionsConsumedConcurrently: config.PARTITIONS_CONSUMED_CONCURRENTLY,
    maxBatchSize: config.EMAIL_BATCH_SIZE,
    retry: {
      attempts: config.SEND_RETRY_ATTEMPTS,
      initialDelayMs: 250,
      maxDelayMs: config.SEND_RETRY_MAX_DELAY_MS,
    },
    compose: { from: config.EMAIL_FROM, messageIdDomain: config.MESSAGE_ID_DOMAIN },
    mailer: timed(mailer, metrics),
    // The outbox writes synchronously, one email at a time: nothing to limit, no queue to pay for.
    limit: config.SMTP_URL ? pLimit(config.SEND_CONCURRENCY) : (work) => work(),
    ledger,
    metrics,
    logger,
    onFatal,
  });
  const server = await startOpsServer({
    port: config.HTTP_PORT,
    ops: opsRoutes(registry, [
      { name: 'ride_outcomes_consumer', ready: consumer.isReady },
      partitionCountCheck(consumer),
      { name: 'ledger_producer', ready: publisher.isReady },
    ]),
  });
  logger.info({ port: server.port }, 'email service running');

  return {
    port: server.port,
    stop: async () => {
      await consumer.stop();
      await publisher.disconnect();
      mailer.close();
      await server.close();
    },
  };
};
