import { randomUUID } from 'node:crypto';
import type { Kafka } from '@taxi/kafka';
import type { Logger } from 'pino';
import type { Topics } from '@taxi/events';
import { startConsumer, type RunningConsumer, type OnLag } from '@taxi/kafka';
import { applyRideEvent, type RideEvent } from '../domain/apply-ride-event';
import type { RideStatusStore } from '../domain/ride-status';
import type { RidesMetrics } from '../metrics';

/**
 * Every rides instance keeps the status of all rides, so it reads every partition: each instance
 * is its own consumer group, replaying the retained topics when it starts.
 */
export const startReadModelConsumer = (deps: {
  kafka: Kafka;
  sessionTimeoutMs: number;
  onLag: OnLag;
  topics: Topics;
  groupPrefix: string;
  store: RideStatusStore;
  metrics: RidesMetrics;
  logger: Logger;
  onFatal: (error: unknown) => void;
}): Promise<RunningConsumer> =>
  startConsumer({
    kafka: deps.kafka,
    sessionTimeoutMs: deps.sessionTimeoutMs,
    onLag: deps.onLag,
    groupId: `${deps.groupPrefix}-${randomUUID()}`,
    contracts: [deps.topics.rideRequested, deps.topics.rideConfirmed, deps.topics.rideRejected],
    service: 'rides',
    logger: deps.logger,
    onFatal: deps.onFatal,
    partitionsConsumedConcurrently: 6,
    handle: async (event) => {
      const outcome = applyRideEvent(deps.store, event as RideEvent);
      if (!outcome) return;
      deps.metrics.rideOutcomes.inc({ status: outcome.status });
      const seconds = (Date.parse(outcome.decidedAt) - Date.parse(outcome.requestedAt)) / 1000;
      if (seconds >= 0) deps.metrics.endToEnd.observe({ status: outcome.status }, seconds);
    },
  });
