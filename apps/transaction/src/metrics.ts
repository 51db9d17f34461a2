import { Counter, Histogram, type Registry } from 'prom-client';
import { rejectionReasonSchema, type RejectionReason } from '@taxi/events';

export const transactionMetrics = (registry: Registry) => {
  const decisions = new Counter({
    name: 'taxi_ride_decisions_total',
    help: 'Ride requests decided, by outcome (confirmed, rejected) and reason',
    labelNames: ['outcome', 'reason'] as const,
    registers: [registry],
  });
  return {
    /** Bound once per outcome and reason: a label look-up per decision is a cost at every ride. */
    decided: {
      confirmed: decisions.labels({ outcome: 'confirmed', reason: '' }),
      duplicate: decisions.labels({ outcome: 'duplicate', reason: '' }),
      rejected: Object.fromEntries(
        rejectionReasonSchema.options.map((reason) => [
          reason,
          decisions.labels({ outcome: 'rejected', reason }),
        ]),
      ) as Record<RejectionReason, Counter.Internal>,
    },
    /** Rides passed to the partition that owns the driver they should get (ADR 038). */
    forwarded: new Counter({
      name: 'taxi_ride_forwards_total',
      help: 'Rides forwarded to the partition that owns the driver chosen for them',
      registers: [registry],
    }),
    /** Drivers handed to the partitions a growth added (domain/dispatch/growth.ts). */
    handedOver: new Counter({
      name: 'taxi_drivers_handed_over_total',
      help: 'Drivers this instance handed to partitions added by a growth of the partition count',
      registers: [registry],
    }),
    processing: new Histogram({
      name: 'taxi_ride_decision_seconds',
      help: 'Time to decide one ride request',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05],
      registers: [registry],
    }),
    fares: new Histogram({
      name: 'taxi_ride_fare_amount',
      help: 'Fare of confirmed rides, in minor currency units',
      buckets: [500, 1000, 1500, 2000, 3000, 5000, 10000, 20000],
      registers: [registry],
    }),
  };
};

export type TransactionMetrics = ReturnType<typeof transactionMetrics>;
