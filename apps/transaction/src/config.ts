import { z } from 'zod';
import { commonEnv, port, positiveInt, withKafkaChecks } from '@taxi/service-kit';

const latitude = z.coerce.number().min(-90).max(90);
const longitude = z.coerce.number().min(-180).max(180);

export const transactionEnv = withKafkaChecks(
  z.object({
    ...commonEnv,
    HTTP_PORT: port(3001).describe('Port of /healthz, /readyz and /metrics'),
    KAFKA_CLIENT_ID: z.string().min(1).default('transaction').describe('Kafka client id'),
    KAFKA_GROUP_ID: z
      .string()
      .min(1)
      .default('transaction')
      .describe('Consumer group of ride_details'),
    TRANSACTIONAL_ID_PREFIX: z
      .string()
      .min(1)
      .default('transaction')
      .describe('Prefix of the per-partition Kafka transactional ids; unique per deployment'),
    PARTITIONS_CONSUMED_CONCURRENTLY: positiveInt(3).describe(
      'Input partitions processed in parallel',
    ),
    FLEET_SIZE: positiveInt(200).describe('Number of simulated drivers'),
    FLEET_SEED: z.coerce.number().int().default(42).describe('Seed of the simulated fleet'),
    FLEET_CENTER_LAT: latitude.default(40.7306).describe('Latitude the fleet is spread around'),
    FLEET_CENTER_LNG: longitude.default(-73.9352).describe('Longitude the fleet is spread around'),
    FLEET_RADIUS_KM: z.coerce.number().positive().default(15).describe('Radius of the fleet area'),
    MAX_PICKUP_KM: z.coerce.number().positive().default(25).describe('Farthest a driver is sent'),
    DRIVER_BUSY_TIME_SCALE: z.coerce
      .number()
      .min(0)
      .max(1)
      .default(0.01)
      .describe('Driver busy time = real trip time × this (0: drivers are always free)'),
  }),
);

export type TransactionConfig = z.infer<typeof transactionEnv>;
