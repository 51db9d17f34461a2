import type { Logger } from 'pino';
import {
  consumerLagMetric,
  createMetricsRegistry,
  connectToKafka,
  opsRoutes,
  partitionCountCheck,
  startOpsServer,
  type Service,
} from '@taxi/service-kit';
import { fleetOptionsOf, type TransactionConfig } from './config';
import { decideRideRequest } from './decide-ride-request';
import { FORWARDING } from './domain/dispatch/policy';
import { createFleet } from './domain/fleet';
import { defaultTariff } from './domain/pricing';
import { fleetState } from './kafka/fleet-state';
import { followFleetView } from './kafka/fleet-view';
import { followPartitionCount } from './kafka/partition-count';
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
  const view = await followFleetView({
    kafka,
    topics,
    fleet,
    observeLag: (seconds) => metrics.viewLag.observe(seconds),
    logger,
    onFatal,
  });
  // Decisions against a view from before the last run would forward rides to busy drivers.
  await view.caughtUp();
  const partitionCount = await followPartitionCount({
    kafka,
    topics: [topics.rideRequested, topics.dispatch, topics.fleetState].map((topic) => topic.name),
    logger,
  });
  const consumer = await startRideRequestsConsumer({
    kafka,
    onLag: consumerLagMetric(registry, config.KAFKA_GROUP_ID),
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
    topics,
    groupId: config.KAFKA_GROUP_ID,
    transactionalIdPrefix: config.TRANSACTIONAL_ID_PREFIX,
    partitionsConsumedConcurrently: config.PARTITIONS_CONSUMED_CONCURRENTLY,
    fleet: fleetState(topics, fleet, logger),
    decide: decideRideRequest({
      topics,
      view: view.current,
      partitions: partitionCount.current,
      settings: {
        fleet: new Map(fleet.map((driver) => [driver.id, driver])),
        maxPickupKm: config.MAX_PICKUP_KM,
        tariff: defaultTariff,
        busyTimeScale: config.DRIVER_BUSY_TIME_SCALE,
        policy: FORWARDING,
      },
      now: () => new Date(),
      metrics,
    }),
    logger,
    onFatal,
  });
  const server = await startOpsServer({
    port: config.HTTP_PORT,
    ops: opsRoutes(registry, [
      { name: 'ride_details_consumer', ready: consumer.isReady },
      partitionCountCheck(consumer),
      { name: 'fleet_view', ready: view.isCaughtUp },
    ]),
  });
  logger.info({ port: server.port, fleetSize: fleet.length }, 'transaction service running');

  return {
    port: server.port,
    stop: async () => {
      await consumer.stop();
      await view.stop();
      partitionCount.stop();
      await server.close();
    },
  };
};
