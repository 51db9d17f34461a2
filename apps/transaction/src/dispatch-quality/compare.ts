import type { Coordinates } from '@taxi/events';
import { createFleet } from '../domain/fleet';
import { defaultTariff } from '../domain/pricing';
import { requestStream, type HotSpot } from './demand';
import { dealByIndexDesign, type Design } from './designs';
import { simulate, type SimResult, type SimSettings } from './simulate';

/** A kind of demand to measure under. */
export interface Scenario {
  readonly name: string;
  readonly load: number;
  readonly hotSpot?: HotSpot;
}

export interface QualityOptions {
  readonly scenarios: readonly Scenario[];
  readonly designs: readonly Design[];
  readonly partitionCounts: readonly number[];
  /** Each scenario is replayed with these seeds (fleet and demand), pooled. */
  readonly seeds: readonly number[];
  readonly rides: number;
  /** Rides at the start left out of the measures, while the fleet leaves its homes. */
  readonly warmUpRides: number;
  readonly viewLagMs: number;
  readonly hopDelayMs: number;
  readonly fleetSize: number;
  readonly center: Coordinates;
  readonly radiusKm: number;
  readonly maxPickupKm: number;
  readonly busyTimeScale: number;
}

/** The measures of one design at one partition count under one scenario (the oracle's too). */
export interface QualityRow {
  readonly scenario: string;
  readonly design: string;
  readonly partitions: number;
  readonly rides: number;
  readonly meanPickupKm: number;
  readonly p95PickupKm: number;
  /** Mean pickup ÷ the oracle's (1.10 is the goal's edge). */
  readonly meanVsOracle: number;
  readonly p95VsOracle: number;
  readonly rejected: number;
  readonly oracleRejected: number;
  /** Rejected while a driver within reach was free somewhere. */
  readonly falseRejections: number;
  /** Forwards per ride, and the share of rides forwarded at least once. */
  readonly forwardsPerRide: number;
  readonly forwardedShare: number;
  readonly maxHops: number;
  /** Forwards whose preferred driver was taken by the time they arrived. */
  readonly staleForwardShare: number;
  readonly handOversPerRide: number;
  /** The busiest partition's share of the requests, and of all inputs (requests, forwards, hand-overs). */
  readonly largestRequestShare: number;
  readonly largestInputShare: number;
  /** Must be 0: ownership problems and busy drivers assigned. */
  readonly invariantBreaks: number;
}

const quantile = (sorted: readonly number[], q: number): number =>
  sorted.length === 0
    ? 0
    : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);

const round = (value: number, digits = 3) => Number(value.toFixed(digits));

interface Pooled {
  readonly pickups: number[];
  rides: number;
  rejected: number;
  falseRejections: number;
  forwards: number;
  forwarded: number;
  maxHops: number;
  staleForwards: number;
  handOvers: number;
  largestRequestShare: number;
  largestInputShare: number;
  invariantBreaks: number;
}

const pool = (): Pooled => ({
  pickups: [],
  rides: 0,
  rejected: 0,
  falseRejections: 0,
  forwards: 0,
  forwarded: 0,
  maxHops: 0,
  staleForwards: 0,
  handOvers: 0,
  largestRequestShare: 0,
  largestInputShare: 0,
  invariantBreaks: 0,
});

const largestShare = (counts: readonly number[]) => {
  const total = counts.reduce((sum, count) => sum + count, 0);
  return total === 0 ? 0 : Math.max(...counts) / total;
};

const addRun = (into: Pooled, result: SimResult, warmUpRides: number, runs: number) => {
  const measured = new Set<string>();
  for (const ride of result.rides) {
    // Ride ids end in their index in the stream (hex): leave the warm-up out.
    const index = Number.parseInt(ride.rideId.slice(ride.rideId.lastIndexOf('-') + 1), 16);
    if (index < warmUpRides) continue;
    measured.add(ride.rideId);
    into.rides += 1;
    if (ride.pickupKm !== undefined) into.pickups.push(ride.pickupKm);
    else into.rejected += 1;
    if (ride.falseRejection) into.falseRejections += 1;
    if (ride.hops > 0) into.forwarded += 1;
    into.forwards += ride.hops;
    into.maxHops = Math.max(into.maxHops, ride.hops);
  }
  into.staleForwards += result.staleForwards;
  into.handOvers += result.handOvers;
  // Averaged over the seeds: a hot cell's share differs with where the hash puts it.
  into.largestRequestShare += largestShare(result.requestsPerPartition) / runs;
  into.largestInputShare += largestShare(result.inputsPerPartition) / runs;
  into.invariantBreaks += result.ownershipProblems + result.busyAssignments;
};

/**
 * Replays every scenario against the oracle (one partition owning the whole fleet, nearest free
 * driver, nothing stale) and each design at each partition count, and compares them.
 */
export const measureDispatchQuality = (options: QualityOptions): QualityRow[] => {
  const settingsAt = (partitions: number): SimSettings => ({
    partitions,
    viewLagMs: options.viewLagMs,
    hopDelayMs: options.hopDelayMs,
    maxPickupKm: options.maxPickupKm,
    tariff: defaultTariff,
    busyTimeScale: options.busyTimeScale,
  });
  const rows: QualityRow[] = [];
  for (const scenario of options.scenarios) {
    const runs = options.seeds.map((seed) => ({
      fleet: createFleet({
        size: options.fleetSize,
        seed,
        center: options.center,
        radiusKm: options.radiusKm,
      }),
      requests: requestStream({
        seed,
        rides: options.rides,
        center: options.center,
        radiusKm: options.radiusKm,
        load: scenario.load,
        fleetSize: options.fleetSize,
        tariff: defaultTariff,
        busyTimeScale: options.busyTimeScale,
        ...(scenario.hotSpot ? { hotSpot: scenario.hotSpot } : {}),
      }),
    }));
    const measure = (design: Design, partitions: number): Pooled => {
      const pooled = pool();
      for (const { fleet, requests } of runs)
        addRun(
          pooled,
          simulate(fleet, requests, design, settingsAt(partitions)),
          options.warmUpRides,
          runs.length,
        );
      pooled.pickups.sort((a, b) => a - b);
      return pooled;
    };
    const oracle = measure({ ...dealByIndexDesign, name: 'oracle' }, 1);
    const oracleMean = mean(oracle.pickups);
    const oracleP95 = quantile(oracle.pickups, 0.95);
    const row = (design: string, partitions: number, measured: Pooled): QualityRow => ({
      scenario: scenario.name,
      design,
      partitions,
      rides: measured.rides,
      meanPickupKm: round(mean(measured.pickups)),
      p95PickupKm: round(quantile(measured.pickups, 0.95)),
      meanVsOracle: round(mean(measured.pickups) / oracleMean),
      p95VsOracle: round(quantile(measured.pickups, 0.95) / oracleP95),
      rejected: measured.rejected,
      oracleRejected: oracle.rejected,
      falseRejections: measured.falseRejections,
      forwardsPerRide: round(measured.forwards / measured.rides),
      forwardedShare: round(measured.forwarded / measured.rides),
      maxHops: measured.maxHops,
      staleForwardShare: round(
        measured.forwards === 0 ? 0 : measured.staleForwards / measured.forwards,
      ),
      handOversPerRide: round(measured.handOvers / (options.rides * runs.length)),
      largestRequestShare: round(measured.largestRequestShare),
      largestInputShare: round(measured.largestInputShare),
      invariantBreaks: measured.invariantBreaks,
    });
    rows.push(row('oracle', 1, oracle));
    for (const partitions of options.partitionCounts)
      for (const design of options.designs)
        rows.push(row(design.name, partitions, measure(design, partitions)));
  }
  return rows;
};

const mean = (values: readonly number[]) =>
  values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
