import type { AnalyticsPartitionState, Money, RideAnalyticsSummary } from '@taxi/events';
import { ETA_BUCKETS, OPEN_BUCKET } from './partition-state';

export interface Stats {
  readonly confirmed: number;
  readonly rejected: number;
  readonly confirmationRate: number;
  readonly rejectionsByReason: Record<string, number>;
  /** Confirmed rides by the vehicle class asked for. */
  readonly confirmedByVehicleClass: Record<string, number>;
  readonly fares: { total: Money; average: Money };
  /** Pickup ETA histogram: upper bound (seconds) → rides, and percentiles read off it. */
  readonly pickupEta: { buckets: Record<string, number>; p50: number; p90: number; max: number };
  readonly busiestPickupZones: { zone: string; rides: number }[];
  /** Rides decided per minute, the last hour, oldest first. */
  readonly ridesPerMinute: { minute: string; confirmed: number; rejected: number }[];
}

const sum = (into: Record<string, number>, from: Record<string, number>) => {
  for (const [key, value] of Object.entries(from)) into[key] = (into[key] ?? 0) + value;
  return into;
};

const bucketBound = (bucket: string) => (bucket === OPEN_BUCKET ? Infinity : Number(bucket));

/** The smallest bucket bound under which `quantile` of the rides fall (the open bucket: last bound). */
export const quantileOf = (buckets: Record<string, number>, quantile: number): number => {
  const total = Object.values(buckets).reduce((a, b) => a + b, 0);
  if (total === 0) return 0;
  let seen = 0;
  const ordered = Object.entries(buckets).sort(([a], [b]) => bucketBound(a) - bucketBound(b));
  for (const [bucket, count] of ordered) {
    seen += count;
    if (seen >= quantile * total)
      return Math.min(bucketBound(bucket), ETA_BUCKETS[ETA_BUCKETS.length - 1] as number);
  }
  return ETA_BUCKETS[ETA_BUCKETS.length - 1] as number;
};

/** Rides counted over all partitions: what a metrics scrape needs, without the rest of /stats. */
export const countRides = (
  states: readonly AnalyticsPartitionState[],
): { confirmed: number; rejected: number } => ({
  confirmed: states.reduce((n, s) => n + s.confirmed, 0),
  rejected: states.reduce((n, s) => n + s.rejected, 0),
});

/** Adds up the states of all partitions into the stats served at /stats. */
export const mergeStates = (states: readonly AnalyticsPartitionState[], topZones = 5): Stats => {
  const { confirmed, rejected } = countRides(states);
  const currency = states[0]?.fareTotal.currency ?? 'USD';
  const fareTotal = states.reduce((n, s) => n + s.fareTotal.amount, 0);
  const etaBuckets = states.reduce(
    (acc, s) => sum(acc, s.etaBuckets),
    {} as Record<string, number>,
  );
  const zones = states.reduce((acc, s) => sum(acc, s.pickupZones), {} as Record<string, number>);
  const minutes: Record<string, { confirmed: number; rejected: number }> = {};
  for (const state of states) {
    for (const [minute, counts] of Object.entries(state.perMinute)) {
      const into = (minutes[minute] ??= { confirmed: 0, rejected: 0 });
      into.confirmed += counts.confirmed;
      into.rejected += counts.rejected;
    }
  }
  // The open bucket counts as the last finite bound, as in quantileOf, so max is never below p90.
  const largestBucket = Object.keys(etaBuckets).map((bucket) =>
    Math.min(bucketBound(bucket), ETA_BUCKETS[ETA_BUCKETS.length - 1] as number),
  );
  return {
    confirmed,
    rejected,
    confirmationRate: confirmed + rejected === 0 ? 0 : confirmed / (confirmed + rejected),
    rejectionsByReason: states.reduce(
      (acc, s) => sum(acc, s.rejectionsByReason),
      {} as Record<string, number>,
    ),
    confirmedByVehicleClass: states.reduce(
      (acc, s) => sum(acc, s.confirmedByVehicleClass ?? {}),
      {} as Record<string, number>,
    ),
    fares: {
      total: { amount: fareTotal, currency },
      average: { amount: confirmed === 0 ? 0 : Math.round(fareTotal / confirmed), currency },
    },
    pickupEta: {
      buckets: etaBuckets,
      p50: quantileOf(etaBuckets, 0.5),
      p90: quantileOf(etaBuckets, 0.9),
      max: largestBucket.length === 0 ? 0 : Math.max(...largestBucket),
    },
    busiestPickupZones: Object.entries(zones)
      .sort(([za, a], [zb, b]) => b - a || za.localeCompare(zb))
      .slice(0, topZones)
      .map(([zone, rides]) => ({ zone, rides })),
    ridesPerMinute: Object.entries(minutes)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([minute, counts]) => ({ minute, ...counts })),
  };
};

/** The summary of one window [start, end): counts of that window, the rest cumulative. */
export const windowSummary = (
  stats: Stats,
  windowStart: Date,
  windowEnd: Date,
): RideAnalyticsSummary => {
  const inWindow = stats.ridesPerMinute.filter(
    ({ minute }) =>
      Date.parse(minute) >= windowStart.getTime() && Date.parse(minute) < windowEnd.getTime(),
  );
  const confirmed = inWindow.reduce((n, m) => n + m.confirmed, 0);
  const rejected = inWindow.reduce((n, m) => n + m.rejected, 0);
  return {
    windowStart: windowStart.toISOString(),
    windowEnd: windowEnd.toISOString(),
    confirmed,
    rejected,
    confirmationRate: confirmed + rejected === 0 ? 0 : confirmed / (confirmed + rejected),
    rejectionsByReason: stats.rejectionsByReason,
    pickupEtaSeconds: {
      p50: stats.pickupEta.p50,
      p90: stats.pickupEta.p90,
      max: stats.pickupEta.max,
    },
    fares: stats.fares,
    busiestPickupZones: stats.busiestPickupZones,
  };
};
