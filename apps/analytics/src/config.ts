import { z } from 'zod';
import { commonEnv, port, positiveInt, withKafkaChecks } from '@taxi/service-kit';

export const analyticsEnv = withKafkaChecks(
  z.object({
    ...commonEnv,
    HTTP_PORT: port(3003).describe('Port of /stats, /healthz, /readyz and /metrics'),
    KAFKA_CLIENT_ID: z.string().min(1).default('analytics').describe('Kafka client id'),
    KAFKA_GROUP_ID: z
      .string()
      .min(1)
      .default('analytics')
      .describe('Consumer group of ride outcomes'),
    TRANSACTIONAL_ID_PREFIX: z
      .string()
      .min(1)
      .default('analytics')
      .describe('Prefix of the per-partition Kafka transactional ids; unique per deployment'),
    SUMMARY_INTERVAL_MS: positiveInt(60_000)
      .refine((ms) => ms % 60_000 === 0, 'must be whole minutes (the state counts per minute)')
      .describe(
        'Window length of the summaries published to ride_analytics, in ms (whole minutes)',
      ),
  }),
);

export type AnalyticsConfig = z.infer<typeof analyticsEnv>;
