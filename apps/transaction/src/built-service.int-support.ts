import { randomUUID } from 'node:crypto';
import { encode, exampleRideRequested, type topicsFor } from '@taxi/events';
import type { KafkaClient } from '@taxi/kafka';
import { sendRaw } from '@taxi/kafka/testing';
import { startService, type ServiceProcess } from '@taxi/stack-harness';
import type { Driver, FleetOptions } from './domain/fleet';

// The built service (dist/apps/transaction) for the integration tests: they run what users run.

/**
 * Starts transaction on the broker in KAFKA_BROKERS, on topics of `prefix`, in a group and with
 * transactional ids of `run`, with `fleet`, drivers busy for the real trip time (longer than a
 * test); resolves once it joined its group.
 */
export const startBuiltTransaction = async (
  run: string,
  prefix: string,
  fleet: FleetOptions,
): Promise<ServiceProcess> =>
  (
    await startService(
      'transaction',
      {
        KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '',
        KAFKA_TOPIC_PREFIX: prefix,
        KAFKA_GROUP_ID: run,
        TRANSACTIONAL_ID_PREFIX: run,
        HTTP_PORT: '0',
        FLEET_SIZE: String(fleet.size),
        FLEET_SEED: String(fleet.seed),
        FLEET_CENTER_LAT: String(fleet.center.lat),
        FLEET_CENTER_LNG: String(fleet.center.lng),
        FLEET_RADIUS_KM: String(fleet.radiusKm),
        DRIVER_BUSY_TIME_SCALE: '1',
      },
      'joined consumer group',
    )
  ).process;

/**
 * A request for a pickup where `driver` stands, of its class, written to `partition` of
 * ride_details as is; resolves with its ride id.
 */
export const requestAt = async (
  kafka: KafkaClient,
  names: ReturnType<typeof topicsFor>,
  partition: number,
  driver: Driver,
): Promise<string> => {
  const event = exampleRideRequested({
    rideId: randomUUID(),
    pickup: driver.position,
    vehicleClass: driver.vehicleClass,
  });
  const encoded = encode(names.rideRequested, event);
  if (!encoded.ok) throw new Error(encoded.error.reason);
  await sendRaw(kafka, names.rideRequested.name, [
    { key: encoded.value.key, value: encoded.value.value, partition },
  ]);
  return event.payload.rideId;
};
