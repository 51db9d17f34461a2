import { z } from 'zod';
import { commonEnv, port, positiveInt, withKafkaChecks } from '@taxi/service-kit';

export const ridesEnv = withKafkaChecks(
  z.object({
    ...commonEnv,
    HTTP_PORT: port(3000).describe(
      'Port of the rides HTTP API (also serves /healthz, /readyz, /metrics)',
    ),
    KAFKA_CLIENT_ID: z.string().min(1).default('rides').describe('Kafka client id'),
    READ_MODEL_GROUP_PREFIX: z
      .string()
      .min(1)
      .default('rides-read-model')
      .describe(
        'Consumer group prefix of the ride status read model; each instance adds its own id',
      ),
    PUBLISH_TIMEOUT_MS: positiveInt(5_000).describe(
      'How long a POST waits for the broker to acknowledge before answering 503',
    ),
    MAX_BODY_BYTES: positiveInt(16 * 1024).describe('Largest accepted request body, in bytes'),
    RIDES_STORE_DIR: z
      .string()
      .min(1)
      .default('/var/lib/taxi/rides')
      .describe(
        "Directory of the local ride store (SQLite, one per instance), created if missing; if lost, it is rebuilt from the topics. The default is the image's volume",
      ),
  }),
);

export type RidesConfig = z.infer<typeof ridesEnv>;
