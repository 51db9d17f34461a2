import { z } from 'zod';
import { commonEnv, logLevel, withKafkaChecks } from '@taxi/service-kit';

export const taxiEnv = withKafkaChecks(
  z.object({
    ...commonEnv,
    LOG_LEVEL: logLevel
      .default('fatal')
      .describe("Log level on stderr (the Kafka client's logs); errors are one line anyway"),
    KAFKA_CLIENT_ID: z.string().min(1).default('taxi-cli').describe('Kafka client id'),
    RIDES_URL: z
      .url()
      .default('http://127.0.0.1:3000')
      .describe('Base URL of the rides API, for `taxi ride request`'),
  }),
);

export type TaxiConfig = z.infer<typeof taxiEnv>;
