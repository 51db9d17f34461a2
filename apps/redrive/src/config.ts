import { z } from 'zod';
import { commonEnv, withSaslCheck } from '@taxi/service-kit';

export const redriveEnv = withSaslCheck(
  z.object({
    ...commonEnv,
    KAFKA_CLIENT_ID: z.string().min(1).default('redrive').describe('Kafka client id'),
  }),
);
