import { splitByCounts } from './partition-count-guard';

const topics = ['ride_confirmed', 'ride_rejected', 'analytics_state'];

describe('splitByCounts', () => {
  it('when the counts agree, then every owned partition is taken and there is no reason', () => {
    const counts = new Map(topics.map((t) => [t, 12]));

    expect(splitByCounts({ ride_confirmed: [0, 8], ride_rejected: [11] }, topics, counts)).toEqual({
      taken: { ride_confirmed: [0, 8], ride_rejected: [11] },
      withheld: {},
    });
  });

  it('when the inputs grew and the changelog did not, then partitions at or above its count are withheld and the reason names the counts and the command', () => {
    const counts = new Map([
      ['ride_confirmed', 12],
      ['ride_rejected', 12],
      ['analytics_state', 6],
    ]);

    const split = splitByCounts(
      { ride_confirmed: [2, 6, 8], ride_rejected: [5, 11] },
      topics,
      counts,
    );

    expect(split.taken).toEqual({ ride_confirmed: [2], ride_rejected: [5] });
    expect(split.withheld).toEqual({ ride_confirmed: [6, 8], ride_rejected: [11] });
    expect(split.reason).toBe(
      'partition counts differ (ride_confirmed 12, ride_rejected 12, analytics_state 6): not taking partition(s) 6-11 until they match; run: taxi topics grow --partitions 12',
    );
  });

  it('when the counts differ but nothing owned is at or above the smallest, then nothing is withheld (the state grown first, as taxi topics grow does)', () => {
    const counts = new Map([
      ['ride_confirmed', 6],
      ['ride_rejected', 6],
      ['analytics_state', 12],
    ]);

    expect(splitByCounts({ ride_confirmed: [0, 5] }, topics, counts).reason).toBeUndefined();
  });

  it('when a topic the member reads is not co-partitioned, then its partitions are always taken', () => {
    const counts = new Map([
      ['ride_confirmed', 12],
      ['ride_rejected', 12],
      ['analytics_state', 6],
    ]);

    expect(splitByCounts({ other: [9] }, topics, counts).taken).toEqual({ other: [9] });
  });
});
