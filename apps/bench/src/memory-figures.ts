import type { ServiceName } from '@taxi/stack-harness';
import type { Sample } from './service-usage';

/** One service's resident memory over a Kafka-side run, against its pod's memory limit. */
export interface MemoryFigure {
  /** RSS when analytics had counted the checkpoint's rides (BENCH_RSS_CHECKPOINT), MB. */
  readonly atCheckpointMb: number;
  /** RSS once every ride was done, MB. */
  readonly atEndMb: number;
  /** From the checkpoint to the end, in per cent (issue 22's bar: at most +20 from 100k to 1M). */
  readonly growthPercent: number;
  /** The highest RSS any sample saw (once a second), MB: a backlog peaks mid-run. */
  readonly peakMb: number;
  /** The memory limit it ran under (its pod's, when the harness could give it a cgroup), MB. */
  readonly limitMb: number | null;
  /** The peak's share of that limit, in per cent: what is left is the headroom. */
  readonly peakOfLimitPercent: number | null;
}

const round1 = (value: number) => Math.round(value * 10) / 10;

/**
 * Whether memory stays flat as the history grows and within the pod's limit: per service, RSS at
 * the checkpoint and at the end, the growth between them, the peak of every sample, and the peak
 * against the limit the service logged at start-up.
 */
export const memoryFigures = (
  samples: readonly Sample[],
  checkpoint: Sample | undefined,
  limitsMb: Partial<Record<ServiceName, number | null>>,
): Partial<Record<ServiceName, MemoryFigure>> => {
  const end = samples.at(-1);
  const figures: Partial<Record<ServiceName, MemoryFigure>> = {};
  if (!checkpoint || !end) return figures;
  for (const [service, usage] of Object.entries(end.usage) as [ServiceName, { rssMb: number }][]) {
    const atCheckpointMb = checkpoint.usage[service]?.rssMb;
    if (atCheckpointMb === undefined) continue;
    const peakMb = Math.max(...samples.map((sample) => sample.usage[service]?.rssMb ?? 0));
    const limitMb = limitsMb[service] ?? null;
    figures[service] = {
      atCheckpointMb,
      atEndMb: usage.rssMb,
      growthPercent: round1((usage.rssMb / atCheckpointMb - 1) * 100),
      peakMb,
      limitMb,
      peakOfLimitPercent: limitMb ? round1((peakMb / limitMb) * 100) : null,
    };
  }
  return figures;
};
