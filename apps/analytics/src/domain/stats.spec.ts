import {
  exampleRideConfirmed,
  exampleRideRejected,
  rideAnalyticsSummarySchema,
  validate,
  type AnalyticsPartitionState,
} from '@taxi/events';
import {
  applyOutcome,
  emptyState,
  OPEN_BUCKET,
  zoneOf,
  type RideOutcomeEvent,
} from './partition-state';
import { mergeStates, quantileOf, windowSummary } from './stats';

const partition = (index: number, events: readonly RideOutcomeEvent[]): AnalyticsPartitionState => {
  const state = emptyState('ride_confirmed', index);
  for (const event of events) applyOutcome(state, event);
  return state;
};

const confirmed = (confirmedAt: string, amount: number, pickup = { lat: 40.7128, lng: -74.006 }) =>
  exampleRideConfirmed({ confirmedAt, fare: { amount, currency: 'USD' }, pickup });
const rejected = (
  rejectedAt: string,
  reason: 'payment_declined' | 'no_driver_available' = 'payment_declined',
) => exampleRideRejected({ rejectedAt, reason });

describe('quantileOf', () => {
  it('when asked for a quantile, then it is the smallest bucket bound holding that share of rides', () => {
    // Keys deliberately out of order: the buckets must be read by bound, not insertion order.
    const buckets = { '300': 4, '60': 5, '1800': 1 };

    expect(quantileOf(buckets, 0.5)).toBe(60); // 5 of 10 rides are within 60 s
    expect(quantileOf(buckets, 0.6)).toBe(300); // 6 of 10 needs the 300 s bucket
    expect(quantileOf(buckets, 0.9)).toBe(300); // 9 of 10 are within 300 s
    expect(quantileOf(buckets, 1)).toBe(1800);
  });

  it('when the quantile falls in the open bucket, then the last finite bound is reported', () => {
    const buckets = { '60': 1, [OPEN_BUCKET]: 9 };

    expect(quantileOf(buckets, 0.5)).toBe(1800);
  });

  it('when there are no rides, then every quantile is 0', () => {
    expect(quantileOf({}, 0.5)).toBe(0);
  });
});

describe('mergeStates', () => {
  it('when partitions are merged, then counts, fares and rates add up across them', () => {
    const states = [
      partition(0, [
        confirmed('2026-11-21T10:00:00Z', 1000),
        rejected('2026-11-21T10:00:10Z', 'no_driver_available'),
      ]),
      partition(1, [
        confirmed('2026-11-21T10:01:00Z', 2001),
        confirmed('2026-11-21T10:01:30Z', 1500),
        rejected('2026-11-21T10:01:40Z', 'payment_declined'),
        rejected('2026-11-21T10:02:00Z', 'no_driver_available'),
      ]),
    ];

    const stats = mergeStates(states);

    expect(stats.confirmed).toBe(3);
    expect(stats.rejected).toBe(3);
    expect(stats.confirmationRate).toBe(3 / 6);
    expect(stats.rejectionsByReason).toEqual({ no_driver_available: 2, payment_declined: 1 });
    expect(stats.fares.total).toEqual({ amount: 4501, currency: 'USD' });
    expect(stats.fares.average).toEqual({ amount: Math.round(4501 / 3), currency: 'USD' });
    expect(stats.ridesPerMinute).toEqual([
      { minute: '2026-11-21T10:00:00.000Z', confirmed: 1, rejected: 1 },
      { minute: '2026-11-21T10:01:00.000Z', confirmed: 2, rejected: 1 },
      { minute: '2026-11-21T10:02:00.000Z', confirmed: 0, rejected: 1 },
    ]);
  });

  it('when nothing was decided yet, then rates and averages are 0 rather than NaN', () => {
    const stats = mergeStates([partition(0, []), partition(1, [])]);

    expect(stats.confirmationRate).toBe(0);
    expect(stats.fares.average.amount).toBe(0);
    expect(stats.pickupEta).toMatchObject({ p50: 0, p90: 0, max: 0 });
  });

  it('when zones are ranked, then the busiest come first, ties by zone name, cut to the top N', () => {
    const a = { lat: 40.7128, lng: -74.006 };
    const b = { lat: 40.7306, lng: -73.9352 };
    const c = { lat: 40.6413, lng: -73.7781 };
    const at = '2026-11-21T10:00:00Z';
    const states = [
      partition(0, [confirmed(at, 900, b), confirmed(at, 900, c), confirmed(at, 900, a)]),
      partition(1, [confirmed(at, 900, b), confirmed(at, 900, a), confirmed(at, 900, b)]),
    ];

    const ranked = mergeStates(states).busiestPickupZones;
    const topTwo = mergeStates(states, 2).busiestPickupZones;

    expect(ranked).toEqual([
      { zone: zoneOf(b), rides: 3 },
      { zone: zoneOf(a), rides: 2 },
      { zone: zoneOf(c), rides: 1 },
    ]);
    expect(topTwo).toEqual(ranked.slice(0, 2));
  });

  it('when two zones have the same number of rides, then they are ordered by zone name', () => {
    const a = { lat: 40.7128, lng: -74.006 };
    const b = { lat: 40.7306, lng: -73.9352 };
    const at = '2026-11-21T10:00:00Z';

    const zones = mergeStates([
      partition(0, [confirmed(at, 900, b), confirmed(at, 900, a)]),
    ]).busiestPickupZones;

    const names = zones.map((zone) => zone.zone);
    expect(names).toEqual([...names].sort((x, y) => x.localeCompare(y)));
    expect(zones.map((zone) => zone.rides)).toEqual([1, 1]);
  });

  it('when some pickups take longer than the last bucket, then the max ETA is not below p90', () => {
    const withEta = (seconds: number) =>
      exampleRideConfirmed({ pickupEta: { seconds, at: '2026-11-21T10:40:00Z' } });
    const state = partition(0, [withEta(200), withEta(2400), withEta(2500)]);

    const { pickupEta } = mergeStates([state]);

    expect(pickupEta.p50).toBe(1800);
    expect(pickupEta.max).toBeGreaterThanOrEqual(pickupEta.p90);
  });
});

describe('windowSummary', () => {
  const stats = mergeStates([
    partition(0, [
      confirmed('2026-11-21T09:59:59Z', 1000), // before the window
      confirmed('2026-11-21T10:00:00Z', 1000), // first minute of the window
      rejected('2026-11-21T10:00:30Z'),
    ]),
    partition(1, [
      confirmed('2026-11-21T10:04:59Z', 1000), // last minute of the window
      confirmed('2026-11-21T10:05:00Z', 1000), // the window's end: excluded
    ]),
  ]);
  const start = new Date('2026-11-21T10:00:00.000Z');
  const end = new Date('2026-11-21T10:05:00.000Z');

  it('when a window is summarized, then only the minutes in [start, end) are counted', () => {
    const summary = windowSummary(stats, start, end);

    expect(summary).toMatchObject({
      windowStart: start.toISOString(),
      windowEnd: end.toISOString(),
      confirmed: 2,
      rejected: 1,
      confirmationRate: 2 / 3,
    });
  });

  it('when a window is summarized, then it is a valid analytics summary', () => {
    const summary = windowSummary(stats, start, end);

    expect(validate(rideAnalyticsSummarySchema, summary)).toMatchObject({ ok: true });
  });

  it('when a window has no rides, then its rate is 0 and it is still valid', () => {
    const later = new Date('2026-11-21T11:00:00.000Z');

    const summary = windowSummary(stats, later, new Date(later.getTime() + 5 * 60_000));

    expect(summary).toMatchObject({ confirmed: 0, rejected: 0, confirmationRate: 0 });
    expect(validate(rideAnalyticsSummarySchema, summary)).toMatchObject({ ok: true });
  });
});
