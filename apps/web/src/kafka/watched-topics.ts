import type { Logger } from 'pino';
import type { Topics } from '@taxi/events';
import { startTail, type Kafka, type EventTail } from '@taxi/kafka';
import type { Position, WatchedEvent } from '../domain/watched-event';

/** The ride topics and the email ledger, followed from their end (committed records only). */
export const watchedContracts = (topics: Topics) => [
  topics.rideRequested,
  topics.rideConfirmed,
  topics.rideRejected,
  topics.emailsSent,
];

export const followWatchedTopics = (deps: {
  kafka: Kafka;
  topics: Topics;
  groupPrefix: string;
  logger: Logger;
  onEvent: (event: WatchedEvent, position: Position) => void;
  onFatal: (error: unknown) => void;
}): Promise<EventTail> =>
  startTail({
    kafka: deps.kafka,
    contracts: watchedContracts(deps.topics),
    groupPrefix: deps.groupPrefix,
    logger: deps.logger,
    onFatal: deps.onFatal,
    onRecord: ({ event, topic, partition, offset }) =>
      deps.onEvent(event as WatchedEvent, { topic, partition, offset }),
  });
