import { z } from 'zod';
import { commonEnv, port, positiveInt, withKafkaChecks } from '@taxi/service-kit';

export const emailEnv = withKafkaChecks(
  z.object({
    ...commonEnv,
    HTTP_PORT: port(3002).describe('Port of /healthz, /readyz and /metrics'),
    KAFKA_CLIENT_ID: z.string().min(1).default('email').describe('Kafka client id'),
    KAFKA_GROUP_ID: z.string().min(1).default('email').describe('Consumer group of ride outcomes'),
    SMTP_URL: z
      .url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL' })
      .optional()
      .describe(
        'Mail server, e.g. smtp://user:pass@host:587; unset: write .eml files to OUTBOX_DIR',
      ),
    SMTP_POOL_SIZE: positiveInt(32).describe(
      'Most SMTP connections open at once (each closed after 30 s idle); below SEND_CONCURRENCY, emails wait for one',
    ),
    OUTBOX_DIR: z
      .string()
      .min(1)
      .default('/var/lib/taxi/email/outbox')
      .describe(
        "Folder for .eml files when SMTP_URL is unset, created if missing; the default is in the image's volume",
      ),
    EMAIL_FROM: z
      .string()
      .min(3)
      .default('Taxi Kafka <rides@taxi-kafka.local>')
      .describe('From address of customer emails'),
    MESSAGE_ID_DOMAIN: z
      .string()
      .regex(/^[A-Za-z0-9.-]+$/)
      .default('taxi-kafka.local')
      .describe('Domain part of the Message-ID of every email'),
    PARTITIONS_CONSUMED_CONCURRENTLY: positiveInt(6).describe('Partitions sending in parallel'),
    EMAIL_BATCH_SIZE: positiveInt(250).describe(
      'Most emails of one partition sent, then recorded in one ledger write, at a time',
    ),
    SEND_CONCURRENCY: positiveInt(32).describe(
      'Emails handed to the mail server at once, in all (SMTP only)',
    ),
    LEDGER_RESTORE_WINDOW: positiveInt(20_000).describe(
      'Ledger records read back per owned partition when partitions are assigned',
    ),
    SEND_RETRY_ATTEMPTS: positiveInt(12).describe('Tries per email before it is dead-lettered'),
    SEND_RETRY_MAX_DELAY_MS: positiveInt(30_000).describe('Longest wait between two tries'),
  }),
);

export type EmailConfig = z.infer<typeof emailEnv>;
