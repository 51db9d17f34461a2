import type { Logger } from 'pino';
import { createPublisher } from '@taxi/kafka';
import {
  consumerLagMetric,
  createMetricsRegistry,
  connectToKafka,
  partitionCountCheck,
  opsRoutes,
  startOpsServer,
  type Service,
} from '@taxi/service-kit';
import type { AnalyticsConfig } from './config';
import { countRides, mergeStates } from './domain/stats';
import { statsRoute } from './http/stats-route';
import { followAllStates } from './kafka/analytics-state';
import { startRideOutcomesConsumer } from './kafka/ride-outcomes-consumer';
import { startSummaryPublisher } from './kafka/summary-publisher';
import { analyticsMetrics } from './metrics';

export interface AnalyticsService extends Service {
  readonly port: number;
}

export const start = async (
  config: AnalyticsConfig,
  logger: Logger,
  onFatal: (error: unknown) => void,
): Promise<AnalyticsService> => {
  const { kafka, topics } = await connectToKafka(config, logger);
  const registry = createMetricsRegistry('analytics');
  // The gauge reads the states when scraped, after start() has returned.
  const metrics = analyticsMetrics(registry, () => countRides(states.all()));
  const publisher = await createPublisher({ kafka, logger });
  const consumer = await startRideOutcomesConsumer({
    kafka,
    onLag: consumerLagMetric(registry, config.KAFKA_GROUP_ID),
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
    topics,
    groupId: config.KAFKA_GROUP_ID,
    transactionalIdPrefix: config.TRANSACTIONAL_ID_PREFIX,
    metrics,
    logger,
    onFatal,
  });
  const states = await followAllStates({ kafka, topics, own: consumer.states, logger, onFatal });
  const stats = () => mergeStates(states.all());
  const summaries = startSummaryPublisher({
    intervalMs: config.SUMMARY_INTERVAL_MS,
    topics,
    publisher,
    consumer,
    stats,
    metrics,
    logger,
  });
  const server = await startOpsServer({
    port: config.HTTP_PORT,
    ops: opsRoutes(registry, [
      { name: 'ride_outcomes_consumer', ready: consumer.isReady },
      partitionCountCheck(consumer),
      { name: 'summary_producer', ready: publisher.isReady },
    ]),
    routers: [statsRoute(stats)],
  });
  logger.info({ port: server.port }, 'analytics service running');

  return {
    port: server.port,
    stop: async () => {
      summaries.stop();
      await consumer.stop();
      await states.stop();
      await publisher.disconnect();
      await server.close();
    },
  };
};
