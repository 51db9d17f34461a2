import { Counter, Histogram, type Registry } from 'prom-client';

export const transactionMetrics = (registry: Registry) => ({
  decisions: new Counter({
    name: 'taxi_ride_decisions_total',
    help: 'Ride requests decided, by outcome (confirmed, rejected) and reason',
    labelNames: ['outcome', 'reason'] as const,
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
});

export type TransactionMetrics = ReturnType<typeof transactionMetrics>;
