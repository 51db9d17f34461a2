import type { Logger } from 'pino';
import type { AnalyticsPartitionState, Topics } from '@taxi/events';
import {
  BATCH_FIRST_FETCH,
  consume,
  type FetchSettings,
  type KafkaClient,
  type OnLag,
  type RunningConsumer,
} from '@taxi/kafka';
import type { AnalyticsMetrics } from '../metrics';
import { analyticsState } from './analytics-state';

/**
 * A fetch waits for 1 MiB of outcomes (about 1,100) or one second, not 64 KiB or 200 ms. Analytics
 * reads twelve partitions and commits one transaction per partition with anything new in a fetch:
 * a handful of broker requests each, plus a state snapshot, whatever the number of outcomes it
 * counts. The rejected partitions get a tenth of the rides, so short fetches made them tiny
 * transactions. Counts are only read as totals (/stats, the per-minute summaries): a second later
 * costs nothing (ADR 036).
 */
export const analyticsFetchSettings: FetchSettings = {
  ...BATCH_FIRST_FETCH,
  maxWaitTimeInMs: 1_000,
  minBytes: 1024 * 1024,
};

/** More than a fetched batch of one partition holds (1 MiB, about 1,100 outcomes). */
const MAX_OUTCOMES_PER_TRANSACTION = 5_000;

/**
 * ride_confirmed / ride_rejected → per-partition aggregates. Each transaction writes the new
 * state and the consumed offsets together, so every outcome is counted exactly once.
 */
export const startRideOutcomesConsumer = (deps: {
  kafka: KafkaClient;
  sessionTimeoutMs: number;
  onLag: OnLag;
  topics: Topics;
  groupId: string;
  transactionalIdPrefix: string;
  metrics: AnalyticsMetrics;
  logger: Logger;
  onFatal: (error: unknown) => void;
}): Promise<RunningConsumer<AnalyticsPartitionState>> =>
  consume({
    mode: 'exactly-once',
    kafka: deps.kafka,
    sessionTimeoutMs: deps.sessionTimeoutMs,
    onLag: deps.onLag,
    groupId: deps.groupId,
    contracts: [deps.topics.rideConfirmed, deps.topics.rideRejected],
    // The state of input partition p is analytics_state partition p: an input grown alone (Kafka's
    // own `kafka-topics --alter`) leaves its new partitions uncounted, not crash-looping on a
    // changelog partition that does not exist, and one line says what to run.
    partitionCountGuard: [
      deps.topics.rideConfirmed,
      deps.topics.rideRejected,
      deps.topics.analyticsState,
    ].map((topic) => topic.name),
    service: 'analytics',
    logger: deps.logger,
    transactionalIdPrefix: deps.transactionalIdPrefix,
    partitionsConsumedConcurrently: 4,
    // A transaction here writes one snapshot whatever the number of outcomes it counts, and costs
    // the same handful of broker requests: one per fetched batch (at most 1 MiB), not per 500.
    maxMessagesPerTransaction: MAX_OUTCOMES_PER_TRANSACTION,
    fetch: analyticsFetchSettings,
    onFatal: deps.onFatal,
    state: analyticsState(deps.topics),
    // Counting is the state's change: applied to the partition's state when the transaction commits.
    decide: (outcome, _state, context) => {
      deps.metrics.counted[outcome.type].inc();
      // Asked first: the message's logger is made on first use, a cost at every event.
      if (deps.logger.isLevelEnabled('debug'))
        context.logger.debug({ rideId: outcome.payload.rideId }, 'ride counted');
      return { outputs: [], change: outcome };
    },
  });
