import fc from 'fast-check';
import { measureDispatchQuality, type QualityOptions } from '../../dispatch-quality/compare';
import { FORWARDING, rideForwardDesign } from '../../dispatch-quality/designs';
import { standardOptions } from '../../dispatch-quality/standard-run';

/**
 * The chosen design (ADR 038) against the oracle, over random fleets and demand (seeded, so a
 * failure replays). The goal itself, at the bench's sizes, is a bench figure (docs/benchmarks.md);
 * these runs are small, and each measures 1,250 rides per partition count.
 */
const measure = (seed: number, load: number, lagMs: number, hotSpotShare: number) =>
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
    viewLagMs: lagMs,
    hopDelayMs: lagMs,
  } satisfies QualityOptions).filter((row) => row.design !== 'oracle');

const demand = fc.record({
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  load: fc.double({ min: 0.2, max: 0.5, noNaN: true }),
  hotSpotShare: fc.constantFrom(0, 0.3),
});

describe('dispatch quality against the oracle (property)', () => {
  it('when the view and a hop lag 100 ms, then at 6, 12 and 24 partitions the mean pickup is within 10 % of the oracle and no ride is rejected while a driver was free', () => {
    fc.assert(
      fc.property(demand, ({ seed, load, hotSpotShare }) => {
        for (const row of measure(seed, load, 100, hotSpotShare)) {
          expect(row.meanVsOracle).toBeLessThanOrEqual(1.1);
          expect([row.partitions, row.falseRejections]).toEqual([row.partitions, 0]);
          expect(row.invariantBreaks).toBe(0);
        }
      }),
      { numRuns: 3, seed: 38 },
    );
  });

  it('when the view and a hop lag 500 ms (100× a trip at the demo time scale), then the mean stays within 10 % and false rejections stay under 0.2 % of rides', () => {
    fc.assert(
      fc.property(demand, ({ seed, load, hotSpotShare }) => {
        for (const row of measure(seed, load, 500, hotSpotShare)) {
          expect(row.meanVsOracle).toBeLessThanOrEqual(1.1);
          expect(row.falseRejections).toBeLessThanOrEqual(row.rides * 0.002);
          expect(row.invariantBreaks).toBe(0);
        }
      }),
      { numRuns: 3, seed: 38 },
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
