import { memoryFigures } from './memory-figures';
import type { Sample } from './service-usage';

const counts = { decided: 0, emailed: 0, counted: 0, readModel: 0 };
const sample = (at: number, rss: { email: number; rides?: number }): Sample => ({
  at,
  counts,
  usage: {
    email: { cpuSeconds: at, rssMb: rss.email },
    ...(rss.rides !== undefined && { rides: { cpuSeconds: at, rssMb: rss.rides } }),
  },
});

describe('memoryFigures', () => {
  it('when a service peaks mid-run, then growth is checkpoint to end and the peak is against its limit', () => {
    const checkpoint = sample(10, { email: 120, rides: 140 });
    const samples = [
      sample(0, { email: 60, rides: 70 }),
      checkpoint,
      sample(50, { email: 153, rides: 141 }),
      sample(90, { email: 138, rides: 140 }),
    ];

    const figures = memoryFigures(samples, checkpoint, { email: 256, rides: 512 });

    expect(figures).toEqual({
      email: {
        atCheckpointMb: 120,
        atEndMb: 138,
        growthPercent: 15,
        peakMb: 153,
        limitMb: 256,
        peakOfLimitPercent: 59.8,
      },
      rides: {
        atCheckpointMb: 140,
        atEndMb: 140,
        growthPercent: 0,
        peakMb: 141,
        limitMb: 512,
        peakOfLimitPercent: 27.5,
      },
    });
  });

  it('when a service ran without a memory limit, then it has no share of one', () => {
    const checkpoint = sample(10, { email: 100 });

    expect(
      memoryFigures([checkpoint, sample(20, { email: 110 })], checkpoint, { email: null }),
    ).toEqual({
      email: {
        atCheckpointMb: 100,
        atEndMb: 110,
        growthPercent: 10,
        peakMb: 110,
        limitMb: null,
        peakOfLimitPercent: null,
      },
    });
  });

  it('when the run never reached the checkpoint, then there are no figures', () => {
    expect(memoryFigures([sample(0, { email: 60 })], undefined, {})).toEqual({});
  });
});
