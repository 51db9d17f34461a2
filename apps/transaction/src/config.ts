import { z } from 'zod';
import { messageLimitOf, topicsFor } from '@taxi/events';
import { commonEnv, port, positiveInt, withKafkaChecks } from '@taxi/service-kit';
import { createFleet, type FleetOptions } from './domain/fleet';
import { largestSnapshotBytes } from './kafka/fleet-state';

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
    FLEET_SIZE: positiveInt(200).describe(
      'Number of simulated drivers; at most what fits a fleet_state snapshot (900 KiB) per partition',
    ),
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
).superRefine(
  (env, context) => {
    const topics = topicsFor(env.KAFKA_TOPIC_PREFIX);
    const limit = messageLimitOf(topics.fleetState);
    const bytesFor = (size: number) =>
      largestSnapshotBytes(createFleet({ ...fleetOptionsOf(env), size }), topics);
    const bytes = bytesFor(env.FLEET_SIZE);
    if (bytes <= limit) return;
    context.addIssue({
      code: 'custom',
      path: ['FLEET_SIZE'],
      message:
        `${env.FLEET_SIZE} drivers over ${topics.rideRequested.partitions} partitions make ` +
        `fleet_state snapshots ${Number.isFinite(bytes) ? `of up to ${bytes} bytes (every driver busy)` : 'listing more drivers than one may'}, above the ${limit} a ` +
        `snapshot may have to be read back (transaction could not restore its fleet); at most ` +
        `about ${aboutTheLargestFitting(limit, bytesFor)} here`,
    });
  },
  // Only a fleet whose every variable is valid can be made and measured.
  { when: (payload) => payload.issues.length === 0 },
);

export type TransactionConfig = z.infer<typeof transactionEnv>;

/** The simulated fleet the configuration describes. */
export const fleetOptionsOf = (config: {
  FLEET_SIZE: number;
  FLEET_SEED: number;
  FLEET_CENTER_LAT: number;
  FLEET_CENTER_LNG: number;
  FLEET_RADIUS_KM: number;
}): FleetOptions => ({
  size: config.FLEET_SIZE,
  seed: config.FLEET_SEED,
  center: { lat: config.FLEET_CENTER_LAT, lng: config.FLEET_CENTER_LNG },
  radiusKm: config.FLEET_RADIUS_KM,
});

/**
 * About the largest fleet whose snapshots fit `limit`. A snapshot's bytes grow in a straight line
 * with the fleet (a duplicate guard of fixed size, then so much per driver), so two measurements
 * place it, where a search would make and encode a fleet a dozen times (seconds at start-up).
 */
const aboutTheLargestFitting = (limit: number, bytesFor: (size: number) => number): number => {
  const [small, large] = [600, 6_000];
  const perDriver = (bytesFor(large) - bytesFor(small)) / (large - small);
  return Math.floor(small + (limit - bytesFor(small)) / perDriver);
};
