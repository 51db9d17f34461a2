import type { Logger } from 'pino';
import { newEnvelope, type Topics } from '@taxi/events';
import type { Assignment, Publisher } from '@taxi/kafka';
import { windowSummary, type Stats } from '../domain/stats';
import type { AnalyticsMetrics } from '../metrics';

/**
 * Every interval, publishes the summary of the window that just closed to ride_analytics. With
 * several instances, the one owning partition 0 of ride_confirmed publishes, so each window is
 * published once.
 */
export const startSummaryPublisher = (deps: {
  intervalMs: number;
  topics: Topics;
  publisher: Publisher;
  consumer: { assignment(): Assignment };
  stats: () => Stats;
  metrics: AnalyticsMetrics;
  logger: Logger;
}): { stop(): void } => {
  const publishClosedWindow = async () => {
    if (!deps.consumer.assignment()[deps.topics.rideConfirmed.name]?.includes(0)) return;
    const end = new Date(Math.floor(Date.now() / deps.intervalMs) * deps.intervalMs);
    const start = new Date(end.getTime() - deps.intervalMs);
    const summary = windowSummary(deps.stats(), start, end);
    await deps.publisher.publish(deps.topics.rideAnalytics, [
      {
        ...newEnvelope('ride.analytics_summary', `analytics-${start.toISOString()}`),
        payload: summary,
      },
    ]);
    deps.metrics.summaries.inc();
    deps.logger.info(
      {
        windowStart: summary.windowStart,
        confirmed: summary.confirmed,
        rejected: summary.rejected,
      },
      'analytics summary published',
    );
  };
  const timer = setInterval(() => {
    publishClosedWindow().catch((error: unknown) =>
      deps.logger.warn({ err: error }, 'could not publish the analytics summary; next window will'),
    );
  }, deps.intervalMs);
  return { stop: () => clearInterval(timer) };
};
