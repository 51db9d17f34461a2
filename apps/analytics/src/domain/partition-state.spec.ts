import {
  analyticsPartitionStateSchema,
  decode,
  encode,
  exampleAnalyticsState,
  exampleRideConfirmed,
  exampleRideRejected,
  topics,
  validate,
} from '@taxi/events';
import {
  applyOutcome,
  cloneState,
  emptyState,
  etaBucketOf,
  MINUTES_KEPT,
  OPEN_BUCKET,
  upcastState,
  ZONE_DEGREES,
  ZONES_KEPT,
  zoneOf,
  type RideOutcomeEvent,
} from './partition-state';

const confirmedAt = (iso: string, overrides: Parameters<typeof exampleRideConfirmed>[0] = {}) =>
  exampleRideConfirmed({ confirmedAt: iso, ...overrides });
const rejectedAt = (iso: string, overrides: Parameters<typeof exampleRideRejected>[0] = {}) =>
  exampleRideRejected({ rejectedAt: iso, ...overrides });

const stateAfter = (events: readonly RideOutcomeEvent[]) => {
  const state = emptyState('ride_confirmed', 0);
  for (const event of events) applyOutcome(state, event);
  return state;
};

describe('applyOutcome', () => {
  it('when rides are confirmed and rejected, then each is counted and fares are summed', () => {
    const events = [
      confirmedAt('2026-11-21T10:00:01Z', { fare: { amount: 1250, currency: 'USD' } }),
      confirmedAt('2026-11-21T10:00:02Z', { fare: { amount: 990, currency: 'USD' } }),
      rejectedAt('2026-11-21T10:00:03Z', { reason: 'payment_declined' }),
      rejectedAt('2026-11-21T10:00:04Z', { reason: 'no_driver_available' }),
      rejectedAt('2026-11-21T10:00:05Z', { reason: 'no_driver_available' }),
    ];

    const state = stateAfter(events);

    expect(state.confirmed).toBe(2);
    expect(state.rejected).toBe(3);
    expect(state.fareTotal).toEqual({ amount: 1250 + 990, currency: 'USD' });
    expect(state.rejectionsByReason).toEqual({ payment_declined: 1, no_driver_available: 2 });
    expect(validate(analyticsPartitionStateSchema, state)).toMatchObject({ ok: true });
  });

  it('when rides of several vehicle classes are confirmed, then each is counted under its class, and one of ride.confirmed 1.0 (no class) as standard', () => {
    const { vehicleClass: _none, ...older } = exampleRideConfirmed().payload;
    const events = [
      confirmedAt('2026-11-21T10:00:01Z', { vehicleClass: 'xl' }),
      confirmedAt('2026-11-21T10:00:02Z', { vehicleClass: 'accessible' }),
      confirmedAt('2026-11-21T10:00:03Z', { vehicleClass: 'xl' }),
      { ...exampleRideConfirmed(), payload: older },
      rejectedAt('2026-11-21T10:00:04Z'),
    ];

    const state = stateAfter(events);

    expect(state.confirmedByVehicleClass).toEqual({ xl: 2, accessible: 1, standard: 1 });
  });

  it('when a partition has taken more in fares than any one fare may be, then its state is still valid', () => {
    // 6,000 rides of 99,999.99 each: far past 100,000.00, the most one fare may be.
    const events = Array.from({ length: 6_000 }, (_, n) =>
      confirmedAt('2026-11-21T10:00:00Z', {
        rideId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
        fare: { amount: 9_999_999, currency: 'USD' },
      }),
    );

    const state = stateAfter(events);

    expect(state.fareTotal.amount).toBe(6_000 * 9_999_999);
    expect(validate(analyticsPartitionStateSchema, state)).toMatchObject({ ok: true });
  });

  it('when pickup ETAs vary, then each ride lands in the smallest bucket whose bound is not below it', () => {
    const withEta = (seconds: number) =>
      confirmedAt('2026-11-21T10:00:00Z', {
        pickupEta: { seconds, at: '2026-11-21T10:05:00Z' },
      });

    const state = stateAfter([withEta(0), withEta(60), withEta(61), withEta(240), withEta(5000)]);

    // 0 and 60 are at most 60 s; 61 is over 60 but at most 120; 240 is between 180 and 300;
    // 5000 is beyond the last bound (1800 s), in the open bucket.
    expect(state.etaBuckets).toEqual({ '60': 2, '120': 1, '300': 1, [OPEN_BUCKET]: 1 });
    expect(etaBucketOf(1800)).toBe('1800');
    expect(etaBucketOf(1801)).toBe(OPEN_BUCKET);
  });

  it('when pickups are in the same ~1 km cell, then they count for the same zone', () => {
    const a = { lat: 40.7121, lng: -74.0061 };
    const b = { lat: 40.7189, lng: -74.0009 };
    const elsewhere = { lat: 40.7306, lng: -73.9352 };

    const state = stateAfter([
      confirmedAt('2026-11-21T10:00:00Z', { pickup: a }),
      confirmedAt('2026-11-21T10:00:00Z', { pickup: b }),
      confirmedAt('2026-11-21T10:00:00Z', { pickup: elsewhere }),
    ]);

    expect(zoneOf(a)).toBe(zoneOf(b));
    expect(zoneOf(a)).not.toBe(zoneOf(elsewhere));
    expect(state.pickupZones).toEqual({ [zoneOf(a)]: 2, [zoneOf(elsewhere)]: 1 });
  });

  it('when outcomes happen in different minutes, then they are counted per UTC minute of the decision', () => {
    const state = stateAfter([
      confirmedAt('2026-11-21T10:00:00.000Z'),
      confirmedAt('2026-11-21T10:00:59.999Z'),
      rejectedAt('2026-11-21T10:00:30.000Z'),
      rejectedAt('2026-11-21T10:01:00.000Z'),
    ]);

    expect(state.perMinute).toEqual({
      '2026-11-21T10:00:00.000Z': { confirmed: 2, rejected: 1 },
      '2026-11-21T10:01:00.000Z': { confirmed: 0, rejected: 1 },
    });
  });

  it('when more minutes have been seen than are kept, then only the most recent minutes remain', () => {
    const start = Date.parse('2026-11-21T10:00:00.000Z');
    const minute = (n: number) => new Date(start + n * 60_000).toISOString();
    const events = Array.from({ length: MINUTES_KEPT + 5 }, (_, n) => confirmedAt(minute(n)));

    const state = stateAfter(events);

    expect(Object.keys(state.perMinute).sort()).toEqual(
      Array.from({ length: MINUTES_KEPT }, (_, n) => minute(n + 5)),
    );
    expect(state.confirmed).toBe(MINUTES_KEPT + 5);
  });

  it('when the same events are replayed into a fresh state, then the state is the same', () => {
    const events = [
      confirmedAt('2026-11-21T10:00:10Z'),
      rejectedAt('2026-11-21T10:02:00Z'),
      confirmedAt('2026-11-21T10:03:00Z'),
    ];

    const first = stateAfter(events);
    const replayed = stateAfter(events);

    expect(replayed).toEqual(first);
  });

  it('when rides come from more zones than are kept, then the busiest zones keep their counts and the zone count stays bounded', () => {
    const pickupIn = (cell: number) => ({
      lat: 10 + Math.floor(cell / 1000) * ZONE_DEGREES,
      lng: 10 + (cell % 1000) * ZONE_DEGREES,
    });
    const ride = confirmedAt('2026-11-21T10:00:00Z');
    const from = (cell: number) => ({
      ...ride,
      payload: { ...ride.payload, pickup: pickupIn(cell) },
    });
    const busy = Array.from({ length: 50 }, () => from(0));
    const scattered = Array.from({ length: 3 * ZONES_KEPT }, (_, n) => from(n + 1));

    const state = stateAfter([...busy, ...scattered]);

    expect(Object.keys(state.pickupZones).length).toBeLessThanOrEqual(ZONES_KEPT);
    expect(state.pickupZones[zoneOf(pickupIn(0))]).toBe(50);
    expect(state.confirmed).toBe(50 + 3 * ZONES_KEPT);
  });

  it('when a day of rides from ever new zones accumulates, then the state is no bigger at its end than at its middle', () => {
    const start = Date.parse('2026-11-21T00:00:00.000Z');
    const confirmed = confirmedAt('2026-11-21T00:00:00Z');
    const rejected = rejectedAt('2026-11-21T00:00:00Z');
    const rideAt = (n: number): RideOutcomeEvent => {
      const at = new Date(start + n * 30_000).toISOString();
      const pickup = { lat: 10 + (n % 1999) * ZONE_DEGREES, lng: 10 + n * ZONE_DEGREES };
      return n % 4 === 0
        ? { ...rejected, payload: { ...rejected.payload, rejectedAt: at } }
        : { ...confirmed, payload: { ...confirmed.payload, confirmedAt: at, pickup } };
    };
    const ridesPerDay = 2 * 60 * 24;
    const state = emptyState('ride_confirmed', 0);
    let sizeAtMidday = 0;

    for (let n = 0; n < ridesPerDay; n += 1) {
      applyOutcome(state, rideAt(n));
      if (n === ridesPerDay / 2) sizeAtMidday = JSON.stringify(state).length;
    }

    expect(Object.keys(state.perMinute)).toHaveLength(MINUTES_KEPT);
    expect(Object.keys(state.pickupZones).length).toBeLessThanOrEqual(ZONES_KEPT);
    expect(JSON.stringify(state).length).toBeLessThanOrEqual(sizeAtMidday * 1.1);
  });
});

describe('a state restored from a newer version’s snapshot, after a rollback (ADR 040)', () => {
  it('when it is cloned for a transaction, counted into and written, then the snapshot keeps the fields this version does not know', () => {
    const snapshot = exampleAnalyticsState();
    const minute = '2026-11-21T10:00:00.000Z';
    const newer = {
      ...snapshot,
      payload: {
        ...snapshot.payload,
        bySeatPreference: { front: 2 },
        perMinute: { [minute]: { confirmed: 3, rejected: 1, cancelled: 1 } },
      },
    };
    const decoded = decode(topics.analyticsState, JSON.stringify(newer));
    if (!decoded.ok) throw new Error(decoded.error.reason);

    const draft = cloneState(decoded.value.payload);
    applyOutcome(draft, confirmedAt('2026-11-21T10:00:30Z'));
    const encoded = encode(topics.analyticsState, { ...snapshot, payload: draft });

    if (!encoded.ok) throw new Error(encoded.error.reason);
    const written = JSON.parse(encoded.value.value.toString()).payload;
    expect(written).toMatchObject({
      bySeatPreference: { front: 2 },
      confirmed: snapshot.payload.confirmed + 1,
      perMinute: { [minute]: { confirmed: 4, rejected: 1, cancelled: 1 } },
    });
  });
});

describe('upcastState: a snapshot of analytics_state 1.0, read by 1.1', () => {
  it('when it has no counts by vehicle class, then all its confirmed rides count as standard, the rest as it was', () => {
    const { confirmedByVehicleClass: _none, ...older } = exampleAnalyticsState().payload;

    const upcast = upcastState(older);

    expect(upcast).toEqual({ ...older, confirmedByVehicleClass: { standard: older.confirmed } });
  });

  it('when it counted nothing, then it has no class either; and a snapshot of 1.1 is left as it is', () => {
    const counted = exampleAnalyticsState({ confirmedByVehicleClass: { xl: 3 } }).payload;

    expect(
      upcastState({ ...emptyState('ride_confirmed', 1), confirmedByVehicleClass: undefined }),
    ).toMatchObject({ confirmedByVehicleClass: {} });
    expect(upcastState(counted)).toBe(counted);
  });

  it('when it came with fields of a newer version, then the upcast keeps them for the next snapshot', () => {
    const { confirmedByVehicleClass: _none, ...older } = exampleAnalyticsState().payload;
    const decoded = decode(
      topics.analyticsState,
      JSON.stringify({
        ...exampleAnalyticsState(),
        payload: { ...older, byPaymentMethod: { card: 3 } },
      }),
    );
    if (!decoded.ok) throw new Error(decoded.error.reason);

    const encoded = encode(topics.analyticsState, {
      ...decoded.value,
      payload: upcastState(decoded.value.payload),
    });

    if (!encoded.ok) throw new Error(encoded.error.reason);
    expect(JSON.parse(encoded.value.value.toString()).payload).toMatchObject({
      byPaymentMethod: { card: 3 },
      confirmedByVehicleClass: { standard: older.confirmed },
    });
  });
});
