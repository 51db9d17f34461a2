import { Counter, Histogram, type Registry } from 'prom-client';

export const ridesMetrics = (registry: Registry) => ({
  requests: new Counter({
    name: 'taxi_ride_requests_total',
    help: 'Ride requests received over HTTP, by outcome (accepted, replayed, invalid, unavailable, outcome_unknown)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  }),
  httpDuration: new Histogram({
    name: 'taxi_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  }),
  rideOutcomes: new Counter({
    name: 'taxi_ride_outcomes_observed_total',
    help: 'Ride outcomes seen by the rides read model, by status',
    labelNames: ['status'] as const,
    registers: [registry],
  }),
  endToEnd: new Histogram({
    name: 'taxi_ride_request_to_outcome_seconds',
    help: 'Time from ride request to its confirmation or rejection, by status',
    labelNames: ['status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  }),
});

export type RidesMetrics = ReturnType<typeof ridesMetrics>;
