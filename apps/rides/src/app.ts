import express from 'express';
import type { Logger } from 'pino';
import type { RideRequestedEvent } from '@taxi/events';
import { createPublisher } from '@taxi/kafka';
import {
  consumerLagMetric,
  createMetricsRegistry,
  connectToKafka,
  listen,
  opsRoutes,
  traceHttpRequests,
  type Service,
} from '@taxi/service-kit';
import type { RidesConfig } from './config';
import { requestRide } from './domain/request-ride';
import { RideStatusStore } from './domain/ride-status';
import { errorHandler } from './http/errors';
import { ridesRoutes } from './http/routes';
import { startReadModelConsumer } from './kafka/read-model-consumer';
import { ridesMetrics } from './metrics';

export interface RidesService extends Service {
  readonly port: number;
}

export const start = async (
  config: RidesConfig,
  logger: Logger,
  onFatal: (error: unknown) => void,
): Promise<RidesService> => {
  const { kafka, topics } = await connectToKafka(config, logger);
  const registry = createMetricsRegistry('rides');
  const metrics = ridesMetrics(registry);
  const store = new RideStatusStore(config.READ_MODEL_MAX_RIDES);
  const publisher = await createPublisher({ kafka, logger, timeoutMs: config.PUBLISH_TIMEOUT_MS });
  const readModel = await startReadModelConsumer({
    kafka,
    onLag: consumerLagMetric(registry, config.READ_MODEL_GROUP_PREFIX),
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
    topics,
    groupPrefix: config.READ_MODEL_GROUP_PREFIX,
    store,
    metrics,
    logger,
    onFatal,
  });

  const requestDeps = {
    publish: (events: RideRequestedEvent[]) => publisher.publish(topics.rideRequested, events),
    store,
    now: () => new Date(),
    inFlight: new Map(),
  };

  const app = express();
  app.disable('x-powered-by');
  app.use((req, res, next) => {
    const end = metrics.httpDuration.startTimer({ method: req.method });
    res.on('finish', () => end({ route: req.route?.path ?? 'unmatched', status: res.statusCode }));
    next();
  });
  app.use(
    opsRoutes(registry, [
      { name: 'kafka_producer', ready: publisher.isConnected },
      { name: 'read_model_consumer', ready: readModel.isReady },
    ]),
  );
  app.use(traceHttpRequests()); // tracing: after the ops routes, so probes make no traces
  app.use(
    ridesRoutes({
      requestRide: (input, context) =>
        requestRide(input, context, requestDeps).then((ride) => {
          logger.info(
            {
              rideId: ride.rideId,
              correlationId: ride.correlationId,
              customerId: input.customerId,
            },
            ride.replayed ? 'ride request replayed' : 'ride requested',
          );
          return ride;
        }),
      rideStatus: (rideId) => store.status(rideId),
      metrics,
      maxBodyBytes: config.MAX_BODY_BYTES,
    }),
  );
  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found', message: 'no such route' });
  });
  app.use(errorHandler(logger));

  const server = await listen(app, config.HTTP_PORT);
  logger.info({ port: server.port }, 'rides API listening');

  return {
    port: server.port,
    stop: async () => {
      await server.close();
      await readModel.stop();
      await publisher.disconnect();
    },
  };
};
