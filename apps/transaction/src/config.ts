import { z } from 'zod';
import { MAX_MESSAGE_BYTES, topicsFor } from '@taxi/events';
import { commonEnv, port, positiveInt, withKafkaChecks } from '@taxi/service-kit';
import { createFleet, type FleetOptions } from './domain/fleet';
import { largestFirstSnapshotBytes } from './kafka/fleet-state';

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
      'Number of simulated drivers; at most what fits a 64 KiB fleet_state snapshot per partition',
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
    const bytesFor = (size: number) =>
      largestFirstSnapshotBytes(createFleet({ ...fleetOptionsOf(env), size }), topics);
    const bytes = bytesFor(env.FLEET_SIZE);
    if (bytes <= MAX_MESSAGE_BYTES) return;
    context.addIssue({
      code: 'custom',
      path: ['FLEET_SIZE'],
      message:
        `${env.FLEET_SIZE} drivers over ${topics.rideRequested.partitions} partitions make ` +
        `fleet_state snapshots of ${bytes} bytes, above the ${MAX_MESSAGE_BYTES} a snapshot may ` +
        `have to be read back (transaction could not restore its fleet); at most ` +
        `${largestFitting(env.FLEET_SIZE, bytesFor)} here, fewer for a fleet kept busy`,
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

/** The largest fleet size below `tooLarge` whose first snapshots fit (a binary search). */
const largestFitting = (tooLarge: number, bytesFor: (size: number) => number): number => {
  let [fits, over] = [0, tooLarge];
  while (over - fits > 1) {
    const middle = Math.floor((fits + over) / 2);
    if (bytesFor(middle) <= MAX_MESSAGE_BYTES) fits = middle;
    else over = middle;
  }
  return fits;
};
