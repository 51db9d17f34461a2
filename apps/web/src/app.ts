import path from 'node:path';
import type { Logger } from 'pino';
import { groupLag } from '@taxi/kafka';
import {
  connectToKafka,
  createMetricsRegistry,
  opsRoutes,
  startOpsServer,
  type Service,
} from '@taxi/service-kit';
import type { WebConfig } from './config';
import { Operations } from './domain/operations';
import { RideUpdates } from './domain/ride-updates';
import { rideUpdateOf } from './domain/watched-event';
import { bookRoutes } from './http/book-routes';
import { EventStreams } from './http/event-stream';
import { pageRoutes } from './http/page-routes';
import { watchRoutes } from './http/watch-routes';
import { followFleetState } from './kafka/fleet-state';
import { followWatchedTopics, watchedContracts } from './kafka/watched-topics';
import { startOperationsFeed } from './operations-feed';
import { ridesClient } from './rides-client';

export interface WebService extends Service {
  readonly port: number;
}

const RIDES_REMEMBERED = 10_000;

export const start = async (
  config: WebConfig,
  logger: Logger,
  onFatal: (error: unknown) => void,
  // The bundle sits beside its `public/` folder (see the build target).
  publicDir = path.join(__dirname, 'public'),
): Promise<WebService> => {
  const { kafka, topics } = await connectToKafka(config, logger);
  const watched = watchedContracts(topics).map((contract) => contract.name);
  const operations = new Operations({
    topics: watched,
    recentEvents: config.RECENT_EVENTS,
  });
  const updates = new RideUpdates(RIDES_REMEMBERED);
  const tail = await followWatchedTopics({
    kafka,
    topics,
    groupPrefix: `${config.KAFKA_CLIENT_ID}-watch`,
    logger,
    onFatal,
    onEvent: (event, position) => {
      operations.record(event, position, Date.now());
      updates.publish(rideUpdateOf(event));
    },
  });
  const fleet = await followFleetState({ kafka, topics, logger, onFatal });
  const feed = startOperationsFeed({
    operations,
    readLag: () => groupLag(kafka, watched),
    fleet: fleet.current,
    intervalMs: config.OPERATIONS_INTERVAL_MS,
    logger,
  });
  const streams = new EventStreams();
  const registry = createMetricsRegistry('web');
  const server = await startOpsServer({
    port: config.HTTP_PORT,
    ops: opsRoutes(registry, [{ name: 'watched_topics_consumer', ready: tail.isReady }]),
    routers: [
      bookRoutes({ rides: ridesClient(config.RIDES_URL, logger), updates, streams }),
      watchRoutes({
        area: {
          center: { lat: config.FLEET_CENTER_LAT, lng: config.FLEET_CENTER_LNG },
          radiusKm: config.FLEET_RADIUS_KM,
        },
        streams,
        latest: feed.latest,
        onView: feed.onView,
      }),
      pageRoutes(publicDir),
    ],
  });
  logger.info({ port: server.port, ridesUrl: config.RIDES_URL }, 'web page running');

  return {
    port: server.port,
    stop: async () => {
      feed.stop();
      streams.endAll();
      await server.close();
      await tail.stop();
      await fleet.stop();
    },
  };
};
