import type { Logger } from 'pino';
import type { Topics } from '@taxi/events';
import {
  BATCH_FIRST_FETCH,
  startStoreFeed,
  type FetchSettings,
  type Kafka,
  type OnLag,
  type StoreFeed,
} from '@taxi/kafka';
import { decisionLatency, rideChangeOf } from '../domain/apply-ride-event';
import type { RideStore } from '../store/ride-store';
import type { RidesMetrics } from '../metrics';

/**
 * The read model shares its thread with the HTTP API, so it takes little at a time: a fetch brings
 * at most 1 MiB (about 1,700 events; kafkajs decodes a whole fetch at once, and holds it in
 * memory until applied), and the store applies at most 250 events per transaction, answering
 * requests in between (a few milliseconds each).
 */
const READ_MODEL_FETCH: FetchSettings = {
  ...BATCH_FIRST_FETCH,
  maxBytesPerPartition: 256 * 1024,
  maxBytes: 1024 * 1024,
};
const EVENTS_PER_TRANSACTION = 250;

/**
 * Every rides instance keeps the status of all recent rides in its own local store, so it reads
 * every partition of the ride topics, from where its store left off.
 */
export const startReadModelConsumer = (deps: {
  kafka: Kafka;
  sessionTimeoutMs: number;
  onLag: OnLag;
  topics: Topics;
  groupPrefix: string;
  store: RideStore;
  metrics: RidesMetrics;
  logger: Logger;
  onFatal: (error: unknown) => void;
}): Promise<StoreFeed> =>
  startStoreFeed({
    kafka: deps.kafka,
    sessionTimeoutMs: deps.sessionTimeoutMs,
    onLag: deps.onLag,
    groupPrefix: deps.groupPrefix,
    contracts: [deps.topics.rideRequested, deps.topics.rideConfirmed, deps.topics.rideRejected],
    service: 'rides',
    logger: deps.logger,
    onFatal: deps.onFatal,
    partitionsConsumedConcurrently: 6,
    fetch: READ_MODEL_FETCH,
    maxEventsPerApply: EVENTS_PER_TRANSACTION,
    positions: () => deps.store.positions(),
    reset: () => deps.store.reset(),
    apply: ({ topic, partition, events, nextOffset }) => {
      const changes = events.map(rideChangeOf);
      deps.store.applyBatch(changes, { topic, partition, nextOffset });
      for (const change of changes) {
        if (change.kind !== 'decided') continue;
        const { status, seconds } = decisionLatency(change);
        deps.metrics.rideOutcomes.inc({ status });
        if (seconds >= 0) deps.metrics.endToEnd.observe({ status }, seconds);
      }
    },
  });
