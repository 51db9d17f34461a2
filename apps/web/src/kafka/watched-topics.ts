import type { Logger } from 'pino';
import type { Topics } from '@taxi/events';
import { read, type KafkaClient, type Reader } from '@taxi/kafka';
import type { Position, WatchedEvent } from '../domain/watched-event';

/** The ride topics and the email ledger, followed from their end (committed records only). */
export const watchedContracts = (topics: Topics) => [
  topics.rideRequested,
  topics.rideConfirmed,
  topics.rideRejected,
  topics.emailsSent,
];

/**
 * Follows the watched topics from their end, for watching rather than processing: a reader of its
 * own (every instance sees every partition), nothing committed. What cannot be decoded is logged
 * and skipped: a watcher has no business dead-lettering other services' input.
 */
export const followWatchedTopics = (deps: {
  kafka: KafkaClient;
  topics: Topics;
  groupPrefix: string;
  logger: Logger;
  onEvent: (event: WatchedEvent, position: Position) => void;
  onFatal: (error: unknown) => void;
}): Promise<Reader> =>
  read({
    kafka: deps.kafka,
    contracts: watchedContracts(deps.topics),
    from: 'end',
    until: 'following',
    groupPrefix: deps.groupPrefix,
    logger: deps.logger,
    onFatal: deps.onFatal,
    onBatch: ({ topic, partition, records }) => {
      for (const { offset, event } of records) deps.onEvent(event, { topic, partition, offset });
    },
  });
