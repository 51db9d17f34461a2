import type { Logger } from 'pino';
import {
  consumerLagMetric,
  createMetricsRegistry,
  connectToKafka,
  opsRoutes,
  startOpsServer,
  type Service,
} from '@taxi/service-kit';
import { fleetOptionsOf, type TransactionConfig } from './config';
import { decideRideRequest } from './decide-ride-request';
import { createFleet } from './domain/fleet';
import { defaultTariff } from './domain/pricing';
import { fleetState, shardDrivers } from './kafka/fleet-state';
import { startRideRequestsConsumer } from './kafka/ride-requests-consumer';
import { transactionMetrics } from './metrics';

export interface TransactionService extends Service {
  readonly port: number;
}

export const start = async (
  config: TransactionConfig,
  logger: Logger,
  onFatal: (error: unknown) => void,
): Promise<TransactionService> => {
  const { kafka, topics } = await connectToKafka(config, logger);
  const registry = createMetricsRegistry('transaction');
  const metrics = transactionMetrics(registry);
  const fleet = createFleet(fleetOptionsOf(config));
  const driversOf = shardDrivers(fleet, topics);
  const consumer = await startRideRequestsConsumer({
    kafka,
    onLag: consumerLagMetric(registry, config.KAFKA_GROUP_ID),
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
    topics,
    groupId: config.KAFKA_GROUP_ID,
    transactionalIdPrefix: config.TRANSACTIONAL_ID_PREFIX,
    partitionsConsumedConcurrently: config.PARTITIONS_CONSUMED_CONCURRENTLY,
    fleet: fleetState(topics, driversOf),
    decide: decideRideRequest({
      driversOf,
      topics,
      settings: {
        maxPickupKm: config.MAX_PICKUP_KM,
        tariff: defaultTariff,
        busyTimeScale: config.DRIVER_BUSY_TIME_SCALE,
      },
      now: () => new Date(),
      metrics,
    }),
    logger,
    onFatal,
  });
  const server = await startOpsServer({
    port: config.HTTP_PORT,
    ops: opsRoutes(registry, [{ name: 'ride_details_consumer', ready: consumer.isReady }]),
  });
  logger.info({ port: server.port, fleetSize: fleet.length }, 'transaction service running');

  return {
    port: server.port,
    stop: async () => {
      await consumer.stop();
      await server.close();
    },
  };
};
