import type { Logger } from 'pino';
import type { Topics } from '@taxi/events';
import {
  BATCH_FIRST_FETCH,
  read,
  StalePositionsError,
  type FetchSettings,
  type KafkaClient,
  type OnLag,
  type Reader,
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
 * every partition of the ride topics, from where its store left off (ADR 010): the store is the
 * only record of how far it got, written in the same local transaction as the rides.
 */
export const startReadModelConsumer = async (deps: {
  kafka: KafkaClient;
  sessionTimeoutMs: number;
  onLag: OnLag;
  topics: Topics;
  groupPrefix: string;
  store: RideStore;
  metrics: RidesMetrics;
  logger: Logger;
  onFatal: (error: unknown) => void;
}): Promise<Reader> => {
  const { store, logger } = deps;
  const startedAt = Date.now();
  let eventsApplied = 0;
  const feed = () =>
    read({
      kafka: deps.kafka,
      sessionTimeoutMs: deps.sessionTimeoutMs,
      onLag: deps.onLag,
      groupPrefix: deps.groupPrefix,
      contracts: [deps.topics.rideRequested, deps.topics.rideConfirmed, deps.topics.rideRejected],
      deadLetters: { service: 'rides' },
      from: { positions: store.positions() },
      until: 'following',
      logger,
      onFatal: deps.onFatal,
      partitionsConsumedConcurrently: 6,
      fetch: READ_MODEL_FETCH,
      maxRecordsPerCall: EVENTS_PER_TRANSACTION,
      onBatch: ({ topic, partition, records, nextOffset }) => {
        const changes = records.map((record) => rideChangeOf(record.event));
        store.applyBatch(changes, { topic, partition, nextOffset });
        eventsApplied += changes.length;
        for (const change of changes) {
          if (change.kind !== 'decided') continue;
          const { status, seconds } = decisionLatency(change);
          deps.metrics.rideOutcomes.inc({ status });
          if (seconds >= 0) deps.metrics.endToEnd.observe({ status }, seconds);
        }
      },
    });

  const resumeFrom = store.positions();
  logger.info(
    {
      resumeFrom: Object.fromEntries(
        resumeFrom.map((p) => [`${p.topic}/${p.partition}`, p.nextOffset]),
      ),
    },
    resumeFrom.length === 0
      ? 'local store is empty: reading the topics from the beginning'
      : 'local store resuming from its own positions',
  );
  const reader = await feed().catch((error: unknown) => {
    if (!(error instanceof StalePositionsError)) throw error;
    // The topics were deleted and created again since: what the store holds is of another log.
    logger.warn(
      { positions: error.positions.map((p) => `${p.topic}/${p.partition}@${p.nextOffset}`) },
      'local store is ahead of the topics (they were created again): rebuilding it from the topics',
    );
    store.reset();
    return feed();
  });
  void reader
    .caughtUp()
    .then(() =>
      logger.info(
        { eventsApplied, durationMs: Date.now() - startedAt },
        'local store caught up with the topics',
      ),
    );
  return reader;
};
