import {
  copyUnknownFields,
  DEFAULT_VEHICLE_CLASS,
  type AnalyticsPartitionState,
  type RideConfirmedEvent,
  type RideRejectedEvent,
} from '@taxi/events';

export type RideOutcomeEvent = RideConfirmedEvent | RideRejectedEvent;

/** Upper bounds (seconds) of the pickup ETA histogram; the last bucket is open. */
export const ETA_BUCKETS = [60, 120, 180, 300, 600, 900, 1200, 1800] as const;
export const OPEN_BUCKET = '+Inf';
/** Minutes of per-minute counts kept. */
export const MINUTES_KEPT = 60;
/** Pickup zones are cells of this many degrees (about 1 km). */
export const ZONE_DEGREES = 0.01;
/**
 * Zones counted per partition at most. Pickups anywhere on earth would make the zone counts grow
 * without end; /stats and the summaries need only the busiest few. Past this many, the least
 * busy fifth is dropped: a busy zone keeps its count, a rarely seen one may be counted again from
 * zero. A city of ~1 km cells (New York: ~800 km²) fits within it, so there it stays exact.
 */
export const ZONES_KEPT = 1000;

export const emptyState = (
  topic: string,
  partition: number,
  currency = 'USD',
): AnalyticsPartitionState => ({
  source: { topic, partition },
  nextOffset: '0',
  confirmed: 0,
  rejected: 0,
  rejectionsByReason: {},
  fareTotal: { amount: 0, currency },
  etaBuckets: {},
  pickupZones: {},
  perMinute: {},
  confirmedByVehicleClass: {},
});

/**
 * A snapshot as this version counts (analytics_state 1.1): one of 1.0 has no counts by vehicle
 * class, and every ride it counted was a standard one, as every ride was before classes existed.
 * Applied to every snapshot read: restores and other instances' states alike. Keeps the fields
 * of a newer version (spread copies them, ADR 040).
 */
export const upcastState = (state: AnalyticsPartitionState): AnalyticsPartitionState =>
  state.confirmedByVehicleClass
    ? state
    : {
        ...state,
        confirmedByVehicleClass:
          state.confirmed > 0 ? { [DEFAULT_VEHICLE_CLASS]: state.confirmed } : {},
      };

/**
 * A copy to change. With the fields of a newer version this one does not know (after a rollback),
 * which structuredClone drops: the snapshots written from the copy keep them (ADR 040).
 */
export const cloneState = (state: AnalyticsPartitionState): AnalyticsPartitionState =>
  copyUnknownFields(state, structuredClone(state));

export const zoneOf = ({ lat, lng }: { lat: number; lng: number }): string => {
  const cell = (value: number) => (Math.floor(value / ZONE_DEGREES) * ZONE_DEGREES).toFixed(2);
  return `${cell(lat)},${cell(lng)}`;
};

export const etaBucketOf = (seconds: number): string =>
  String(ETA_BUCKETS.find((bound) => seconds <= bound) ?? OPEN_BUCKET);

export const minuteOf = (iso: string): string => {
  const date = new Date(iso);
  date.setUTCSeconds(0, 0);
  return date.toISOString();
};

const increment = (counts: Record<string, number>, key: string, by = 1) => {
  counts[key] = (counts[key] ?? 0) + by;
};

const pruneMinutes = (state: AnalyticsPartitionState) => {
  const minutes = Object.keys(state.perMinute).sort();
  for (const minute of minutes.slice(0, Math.max(0, minutes.length - MINUTES_KEPT))) {
    delete state.perMinute[minute];
  }
};

const pruneZones = (state: AnalyticsPartitionState) => {
  let count = 0;
  for (const _zone in state.pickupZones) if (++count > ZONES_KEPT) break;
  if (count <= ZONES_KEPT) return;
  const zones = Object.entries(state.pickupZones);
  const leastBusyFirst = zones.sort(([za, a], [zb, b]) => a - b || za.localeCompare(zb));
  for (const [zone] of leastBusyFirst.slice(0, zones.length - Math.floor(ZONES_KEPT * 0.8)))
    delete state.pickupZones[zone];
};

/** The counts of the minute `iso` falls in; only a new minute can pass the limit, so only then prune. */
const minuteCounts = (state: AnalyticsPartitionState, iso: string) => {
  const minute = minuteOf(iso);
  let counts = state.perMinute[minute];
  if (counts === undefined) {
    counts = state.perMinute[minute] = { confirmed: 0, rejected: 0 };
    pruneMinutes(state);
  }
  return counts;
};

/** Counts one ride outcome into the state (mutates it). Deterministic: replays give the same state. */
export const applyOutcome = (state: AnalyticsPartitionState, event: RideOutcomeEvent): void => {
  switch (event.type) {
    case 'ride.confirmed': {
      const ride = event.payload;
      state.confirmed += 1;
      // A ride.confirmed of 1.0 names no class: it was a standard ride.
      increment((state.confirmedByVehicleClass ??= {}), ride.vehicleClass ?? DEFAULT_VEHICLE_CLASS);
      state.fareTotal.amount += ride.fare.amount;
      increment(state.etaBuckets, etaBucketOf(ride.pickupEta.seconds));
      const zone = zoneOf(ride.pickup);
      const newZone = state.pickupZones[zone] === undefined;
      increment(state.pickupZones, zone);
      // Counting the zones costs as much as there are: only a new one can pass the limit.
      if (newZone) pruneZones(state);
      minuteCounts(state, ride.confirmedAt).confirmed += 1;
      break;
    }
    case 'ride.rejected': {
      const ride = event.payload;
      state.rejected += 1;
      increment(state.rejectionsByReason, ride.reason);
      minuteCounts(state, ride.rejectedAt).rejected += 1;
      break;
    }
    default: {
      const unexpected: never = event;
      throw new Error(`unexpected event ${JSON.stringify(unexpected)}`);
    }
  }
};
