import type { Stack } from '@taxi/stack-harness';
import { metricSum } from './service-usage';

// Transaction's two dispatch latencies (ADR 038, docs/observability.md): how stale its fleet view
// is, and how long a forward takes to reach its owner. The dispatch-quality simulation assumes
// both; these are what the running stack does. Read from transaction's /metrics before and after
// a phase, and summarised from the difference.

const HISTOGRAMS = {
  fleetViewLag: 'taxi_fleet_view_lag_seconds',
  hop: 'taxi_dispatch_hop_seconds',
} as const;

type Name = keyof typeof HISTOGRAMS;

/** A Prometheus histogram as /metrics gives it: cumulative counts per upper bound (seconds). */
export interface HistogramCounts {
  /** Finite upper bounds, ascending (the +Inf bucket is `count`). */
  readonly bounds: readonly number[];
  readonly cumulative: readonly number[];
  readonly count: number;
  readonly sum: number;
}

/** The histogram `name` in a /metrics text (one series: the service's default labels only). */
export const histogramIn = (text: string, name: string): HistogramCounts => {
  const buckets: [number, number][] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}_bucket{`)) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    if (le !== undefined && le !== '+Inf')
      buckets.push([Number(le), Number(line.slice(line.lastIndexOf(' ') + 1))]);
  }
  buckets.sort((a, b) => a[0] - b[0]);
  return {
    bounds: buckets.map(([bound]) => bound),
    cumulative: buckets.map(([, cumulative]) => cumulative),
    count: metricSum(text, `${name}_count`),
    sum: metricSum(text, `${name}_sum`),
  };
};

/** What was observed between two readings of the same histogram. */
export const since = (after: HistogramCounts, before: HistogramCounts): HistogramCounts => ({
  bounds: after.bounds,
  cumulative: after.cumulative.map((value, index) => value - (before.cumulative[index] ?? 0)),
  count: after.count - before.count,
  sum: after.sum - before.sum,
});

/**
 * The q-quantile as Prometheus' histogram_quantile estimates it: linear within the bucket it falls
 * in; past the last finite bound, that bound. Null with no observations.
 */
export const quantile = (histogram: HistogramCounts, q: number): number | null => {
  const { bounds, cumulative, count } = histogram;
  if (count <= 0) return null;
  const rank = q * count;
  for (let index = 0; index < bounds.length; index += 1) {
    const upTo = cumulative[index] ?? 0;
    if (upTo < rank) continue;
    const lower = index === 0 ? 0 : (bounds[index - 1] ?? 0);
    const below = index === 0 ? 0 : (cumulative[index - 1] ?? 0);
    const upper = bounds[index] ?? lower;
    return upTo === below ? upper : lower + ((upper - lower) * (rank - below)) / (upTo - below);
  }
  return bounds.at(-1) ?? null;
};

const ms = (seconds: number | null) => (seconds === null ? null : Math.round(seconds * 1000));

/** Count, mean and percentiles in ms (percentiles interpolated within the buckets). */
export const summarise = (histogram: HistogramCounts) => ({
  count: histogram.count,
  meanMs: histogram.count > 0 ? ms(histogram.sum / histogram.count) : null,
  p50Ms: ms(quantile(histogram, 0.5)),
  p95Ms: ms(quantile(histogram, 0.95)),
  p99Ms: ms(quantile(histogram, 0.99)),
});

export type DispatchLatencies = Record<Name, HistogramCounts>;

/**
 * Transaction's two histograms now. Read twice per phase only, so it waits longer than a sample
 * (5 s) for a service busy with a backlog, and a failure fails the run rather than skew a phase.
 */
export const readDispatchLatencies = async (stack: Stack): Promise<DispatchLatencies> => {
  const response = await fetch(`http://127.0.0.1:${stack.ports.transaction}/metrics`, {
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  return {
    fleetViewLag: histogramIn(text, HISTOGRAMS.fleetViewLag),
    hop: histogramIn(text, HISTOGRAMS.hop),
  };
};

/** The view's lag and the hops of a phase: what transaction observed between two readings. */
export const dispatchLatencyBetween = (before: DispatchLatencies, after: DispatchLatencies) => ({
  fleetViewLag: summarise(since(after.fleetViewLag, before.fleetViewLag)),
  hop: summarise(since(after.hop, before.hop)),
});
