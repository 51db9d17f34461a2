import express from 'express';
import type { Logger } from 'pino';
import type { RideRequestedEvent } from '@taxi/events';
import { createPublisher } from '@taxi/kafka';
import {
  consumerLagMetric,
  createMetricsRegistry,
  connectToKafka,
  ensureWritableDirectory,
  listen,
  opsRoutes,
  traceHttpRequests,
  type Service,
} from '@taxi/service-kit';
import type { RidesConfig } from './config';
import { requestRide, RideOutcomeUnknownError } from './domain/request-ride';
import { errorHandler } from './http/errors';
import { methodNotAllowed, openApiRoute } from './http/openapi';
import { ridesRoutes } from './http/routes';
import { startReadModelConsumer } from './kafka/read-model-consumer';
import { ridesMetrics } from './metrics';
import { retentionMsOf, startPruning } from './store/prune';
import { RideStore } from './store/ride-store';

/** How often rides older than the topics' retention are deleted from the store. */
const PRUNE_INTERVAL_MS = 10 * 60 * 1000;

export interface RidesService extends Service {
  readonly port: number;
}

export const start = async (
  config: RidesConfig,
  logger: Logger,
  onFatal: (error: unknown) => void,
): Promise<RidesService> => {
  if (config.RIDES_STORE_DIR !== ':memory:')
    ensureWritableDirectory('RIDES_STORE_DIR', config.RIDES_STORE_DIR);
  const { kafka, topics } = await connectToKafka(config, logger);
  const registry = createMetricsRegistry('rides');
  const metrics = ridesMetrics(registry);
  const store = RideStore.open(config.RIDES_STORE_DIR, (reason) =>
    logger.warn({ reason }, 'ride store file unreadable: discarded, rebuilding from the topics'),
  );
  logger.info({ file: store.file }, 'ride store opened');
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
  const pruning = startPruning({
    store,
    retentionMs: retentionMsOf([topics.rideRequested, topics.rideConfirmed, topics.rideRejected]),
    intervalMs: PRUNE_INTERVAL_MS,
    logger,
    onFatal,
  });

  const requestDeps = {
    publish: (events: RideRequestedEvent[]) => publisher.publish(topics.rideRequested, events),
    store,
    now: () => new Date(),
    inFlight: new Map(),
    answerWithinMs: config.PUBLISH_TIMEOUT_MS,
  };

  const app = express();
  app.disable('x-powered-by');
  // Express hashes every response body (a Buffer copy and a SHA-1) for an ETag; no client of this
  // API revalidates (POST answers are never cached, and a ride's status is polled until it
  // changes), so that was work on every request for nothing.
  app.disable('etag');
  app.use((req, res, next) => {
    const end = metrics.httpDuration.startTimer({ method: req.method });
    res.on('finish', () => end({ route: req.route?.path ?? 'unmatched', status: res.statusCode }));
    next();
  });
  // The API's own routes first: a ride request then skips the probes' and the spec's routers,
  // about a tenth of what a request allocates (ADR 036). They trace themselves.
  app.use(
    ridesRoutes({
      requestRide: (input, context) =>
        requestRide(input, context, requestDeps).then(
          (ride) => {
            logger.info(
              {
                rideId: ride.rideId,
                correlationId: ride.correlationId,
                customerId: input.customerId,
              },
              ride.replayed ? 'ride request replayed' : 'ride requested',
            );
            return ride;
          },
          (error: unknown) => {
            if (error instanceof RideOutcomeUnknownError)
              logger.warn(
                { rideId: error.rideId, correlationId: context.correlationId },
                'ride request outcome unknown: Kafka had it, but did not acknowledge in time',
              );
            throw error;
          },
        ),
      rideStatus: (rideId) => store.status(rideId),
      readModelCaughtUp: readModel.isCaughtUp,
      metrics,
      maxBodyBytes: config.MAX_BODY_BYTES,
    }),
  );
  app.use(
    opsRoutes(registry, [
      { name: 'kafka_producer', ready: publisher.isReady },
      { name: 'read_model_consumer', ready: readModel.isReady },
      // Until then a ride this instance has not read yet would be answered 404.
      { name: 'read_model_caught_up', ready: readModel.isCaughtUp },
    ]),
  );
  app.use(openApiRoute());
  app.use(traceHttpRequests()); // the 405s and 404s below; after the ops routes: probes make no traces
  app.use(methodNotAllowed());
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
      await pruning.stop();
      store.close();
      await publisher.disconnect();
    },
  };
};
