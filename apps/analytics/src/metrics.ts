import { Counter, Gauge, type Registry } from 'prom-client';
import type { RideOutcomeEvent } from './domain/partition-state';

export const analyticsMetrics = (
  registry: Registry,
  rides: () => { confirmed: number; rejected: number },
) => {
  const counted = new Counter({
    name: 'taxi_analytics_events_counted_total',
    help: 'Ride outcomes counted by this instance, by type (includes recounts of aborted transactions)',
    labelNames: ['type'] as const,
    registers: [registry],
  });
  return {
    /** Bound once per label value: a label look-up per counted event is a cost at every event. */
    counted: {
      'ride.confirmed': counted.labels({ type: 'ride.confirmed' }),
      'ride.rejected': counted.labels({ type: 'ride.rejected' }),
    } satisfies Record<RideOutcomeEvent['type'], unknown>,
    rides: new Gauge({
      name: 'taxi_analytics_rides',
      help: 'Rides counted across all partitions, by status (exact: from committed state)',
      labelNames: ['status'] as const,
      registers: [registry],
      collect() {
        const current = rides();
        this.set({ status: 'confirmed' }, current.confirmed);
        this.set({ status: 'rejected' }, current.rejected);
      },
    }),
    summaries: new Counter({
      name: 'taxi_analytics_summaries_published_total',
      help: 'Window summaries published to ride_analytics',
      registers: [registry],
    }),
  };
};

export type AnalyticsMetrics = ReturnType<typeof analyticsMetrics>;
