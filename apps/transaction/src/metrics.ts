import { Counter, Histogram, type Registry } from 'prom-client';
import { rejectionReasonSchema, type RejectionReason } from '@taxi/events';

/**
 * 1 ms to 5 s, finest where dispatch quality turns (ADR 038: met with 100 ms of lag, missed with
 * 500): enough to read a p95 from, without labels, so an observation is a bucket search.
 */
export const LAG_BUCKETS_SECONDS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 2.5, 5,
];

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
    /**
     * How old the fleet view's news is: when the view applies a snapshot, now minus the snapshot
     * record's timestamp. The record is stamped when its transaction sends its outputs, so this is
     * the rest of that transaction (its commit), and the view's fetch and turn (ADR 038).
     */
    viewLag: new Histogram({
      name: 'taxi_fleet_view_lag_seconds',
      help: 'Age of a fleet_state snapshot when the fleet view applies it (now minus its record timestamp)',
      buckets: LAG_BUCKETS_SECONDS,
      registers: [registry],
    }),
    /**
     * How long a forward took to reach its owner: when the owner decides it, now minus the forward
     * record's timestamp (the sender's commit, the fetch, and any transaction ahead of it).
     */
    hop: new Histogram({
      name: 'taxi_dispatch_hop_seconds',
      help: 'Time from a forward being sent to its partition deciding it (now minus its record timestamp)',
      buckets: LAG_BUCKETS_SECONDS,
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
