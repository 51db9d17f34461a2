import type { ServiceName } from '@taxi/stack-harness';
import { per1000Rides } from './cpu-budget';
import { STAGES, STAGE_NAMES, type Sample, type StageName } from './service-usage';

/** Peak rates are taken over windows at least this long, to smooth out batch boundaries. */
const PEAK_WINDOW_SECONDS = 5;

export interface StageFigures {
  readonly service: ServiceName;
  /** Seconds from the first ride written until this stage had handled all of them. */
  readonly doneAfterSeconds: number | null;
  /** All rides over the time this stage was busy (from its first ride to its last). */
  readonly busyRidesPerSecond: number | null;
  /** The best rate over any 5-second window. */
  readonly peakRidesPerSecond: number;
  /** CPU seconds the stage's service used per 1,000 rides over the whole run. */
  readonly cpuSecondsPer1000Rides: number | null;
}

const peakRate = (samples: readonly Sample[], stage: StageName): number => {
  let peak = 0;
  let from = 0;
  for (let to = 1; to < samples.length; to += 1) {
    const end = samples[to] as Sample;
    while (from + 1 < to && end.at - (samples[from + 1] as Sample).at >= PEAK_WINDOW_SECONDS)
      from += 1;
    const start = samples[from] as Sample;
    if (end.at - start.at < PEAK_WINDOW_SECONDS) continue;
    peak = Math.max(peak, (end.counts[stage] - start.counts[stage]) / (end.at - start.at));
  }
  return Math.round(peak);
};

const round = (value: number, digits = 0) => Number(value.toFixed(digits));

/** Each stage's rates and CPU cost from the samples taken while `rides` went through. */
export const stageFigures = (
  samples: readonly Sample[],
  rides: number,
): Record<StageName, StageFigures> => {
  const first = samples[0];
  const last = samples[samples.length - 1];
  if (!first || !last) throw new Error('no samples');
  const figures = {} as Record<StageName, StageFigures>;
  for (const stage of STAGE_NAMES) {
    const { service } = STAGES[stage];
    const began = samples.findIndex((sample) => sample.counts[stage] > 0);
    const done = samples.find((sample) => sample.counts[stage] >= rides);
    // The stage began somewhere between the last sample at zero and the first above.
    const beganAt = began > 0 ? (samples[began - 1] as Sample).at : first.at;
    const cpuStart = first.usage[service]?.cpuSeconds;
    const cpuEnd = last.usage[service]?.cpuSeconds;
    figures[stage] = {
      service,
      doneAfterSeconds: done ? round(done.at, 1) : null,
      busyRidesPerSecond: done ? round(rides / Math.max(done.at - beganAt, 0.001)) : null,
      peakRidesPerSecond: peakRate(samples, stage),
      cpuSecondsPer1000Rides:
        cpuStart === undefined || cpuEnd === undefined
          ? null
          : per1000Rides(cpuEnd - cpuStart, rides),
    };
  }
  return figures;
};

/**
 * The stage that holds the pipeline back: the lowest peak rate. Stages within 10 % of it are
 * limited by what reaches them as much as by themselves, so among those the one that burns the
 * most CPU per ride is named (on a CPU-bound machine, that is where a core goes).
 */
export const nextBottleneck = (figures: Record<StageName, StageFigures>) => {
  const slowest = Math.min(...STAGE_NAMES.map((stage) => figures[stage].peakRidesPerSecond));
  const candidates = STAGE_NAMES.filter(
    (stage) => figures[stage].peakRidesPerSecond <= slowest * 1.1,
  );
  const cpu = (stage: StageName) => figures[stage].cpuSecondsPer1000Rides ?? 0;
  const stage = candidates.reduce((worst, next) => (cpu(next) > cpu(worst) ? next : worst));
  return {
    stage,
    service: figures[stage].service,
    why:
      `lowest peak rate (${figures[stage].peakRidesPerSecond} rides/s)` +
      (candidates.length > 1
        ? `; of the stages within 10 % of it (${candidates.join(', ')}), the most CPU per ride (${cpu(stage)} s per 1,000)`
        : ''),
  };
};
