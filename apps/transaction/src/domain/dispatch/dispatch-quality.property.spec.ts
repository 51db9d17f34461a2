import fc from 'fast-check';
import { measureDispatchQuality, type QualityOptions } from '../../dispatch-quality/compare';
import { FORWARDING, rideForwardDesign } from '../../dispatch-quality/designs';
import {
  MEASURED_HOP_MS,
  MEASURED_VIEW_LAG_MS,
  standardOptions,
} from '../../dispatch-quality/standard-run';

/**
 * The chosen design (ADR 038) against the oracle, over random fleets and demand (seeded, so a
 * failure replays). The goal itself, at the bench's sizes, is a bench figure (docs/benchmarks.md);
 * these runs are small, and each measures 1,250 rides per partition count.
 */
const measure = (
  seed: number,
  load: number,
  lag: { viewMs: number; hopMs: number },
  hotSpotShare: number,
) =>
  measureDispatchQuality({
    ...standardOptions,
    scenarios: [
      {
        name: 'random',
        load,
        ...(hotSpotShare > 0
          ? { hotSpot: { center: { lat: 40.754, lng: -73.984 }, sigmaKm: 1, share: hotSpotShare } }
          : {}),
      },
    ],
    designs: [rideForwardDesign(FORWARDING)],
    seeds: [seed],
    rides: 1_500,
    warmUpRides: 250,
    viewLagMs: lag.viewMs,
    hopDelayMs: lag.hopMs,
  } satisfies QualityOptions).filter((row) => row.design !== 'oracle');

/**
 * The bench's busy and rush-hour demand, randomised: a load up to 0.5, uniform or with a hot spot.
 * Near saturation (0.65) is measured by the bench (0 false rejections in 45,000 rides at the
 * measured lag), not here: in a run this small the greedy oracle's dozen rejections swing its
 * mean, and the ratio crosses 1.1 at any lag (1.17 with 80/90 ms, 1.20 with 100 ms, in one).
 */
const demand = fc.record({
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  load: fc.double({ min: 0.2, max: 0.5, noNaN: true }),
  hotSpotShare: fc.constantFrom(0, 0.3, 0.5),
});

/** Below saturation: where a 500 ms lag still does tolerably. */
const busyDemand = fc.record({
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  load: fc.double({ min: 0.2, max: 0.5, noNaN: true }),
  hotSpotShare: fc.constantFrom(0, 0.3),
});

const RUNS = { numRuns: 4, seed: 38 };

/** The view and a hop as measured in the stack, and as the simulation assumed before that. */
const MEASURED = { viewMs: MEASURED_VIEW_LAG_MS, hopMs: MEASURED_HOP_MS };
const ASSUMED_BEFORE = { viewMs: 500, hopMs: 500 };

/** The goal (issue 24): within 10 % of the oracle's mean pickup and no false rejection, at 6, 12 and 24. */
const meetsTheGoal = (lag: { viewMs: number; hopMs: number }) =>
  fc.property(demand, ({ seed, load, hotSpotShare }) => {
    for (const row of measure(seed, load, lag, hotSpotShare)) {
      expect(row.meanVsOracle).toBeLessThanOrEqual(1.1);
      expect([row.partitions, row.falseRejections]).toEqual([row.partitions, 0]);
      expect(row.invariantBreaks).toBe(0);
    }
  });

describe('dispatch quality against the oracle (property)', () => {
  it('when the view and a hop lag as measured in the stack (p99: 80 and 90 ms), then at 6, 12 and 24 partitions the mean pickup is within 10 % of the oracle and no ride is rejected while a driver was free', () => {
    fc.assert(meetsTheGoal(MEASURED), RUNS);
  });

  it('when the view and a hop lag 500 ms, as assumed before they were measured, then the same property fails on a false rejection: the property can fail', () => {
    const details = fc.check(meetsTheGoal(ASSUMED_BEFORE), { ...RUNS, endOnFailure: true });

    expect(details.failed).toBe(true);
    // The false-rejection check (the one `toEqual`), not the mean's.
    expect(String(details.errorInstance)).toMatch(/toEqual/);
  });

  it('when the view and a hop lag 500 ms below saturation, then the mean stays within 10 % and false rejections stay under 0.2 % of rides', () => {
    fc.assert(
      fc.property(busyDemand, ({ seed, load, hotSpotShare }) => {
        for (const row of measure(seed, load, ASSUMED_BEFORE, hotSpotShare)) {
          expect(row.meanVsOracle).toBeLessThanOrEqual(1.1);
          expect(row.falseRejections).toBeLessThanOrEqual(row.rides * 0.002);
          expect(row.invariantBreaks).toBe(0);
        }
      }),
      RUNS,
    );
  });

  it('when drivers are dealt by index with no forwarding (ADR 008), then the same measure fails the goal at 12 partitions: the property can fail', () => {
    const [row] = measureDispatchQuality({
      ...standardOptions,
      scenarios: [{ name: 'busy', load: 0.5 }],
      designs: standardOptions.designs.filter((design) => design.name === 'deal-by-index'),
      partitionCounts: [12],
      seeds: [7],
      rides: 2_000,
      warmUpRides: 300,
    }).filter((measured) => measured.design !== 'oracle');

    expect(row?.meanVsOracle).toBeGreaterThan(1.1);
    expect(row?.falseRejections).toBeGreaterThan(0);
  });
});
