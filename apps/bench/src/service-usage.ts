import { readFile } from 'node:fs/promises';
import type { ServiceName, Stack } from '@taxi/stack-harness';

/** Clock ticks per second of /proc/<pid>/stat times: 100 on every Linux build that matters. */
const CLOCK_TICKS = 100;

export interface ProcessUsage {
  /** User + system CPU seconds since the process started. */
  readonly cpuSeconds: number;
  readonly rssMb: number;
}

/** CPU time and resident memory of a process, from /proc (Linux). */
export const processUsage = async (pid: number): Promise<ProcessUsage> => {
  const [stat, status] = await Promise.all([
    readFile(`/proc/${pid}/stat`, 'utf8'),
    readFile(`/proc/${pid}/status`, 'utf8'),
  ]);
  // Fields after the command name (which may hold spaces), counted from field 3 (state).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpuSeconds: ticks / CLOCK_TICKS, rssMb: Math.round(rssKb / 1024) };
};

/** Sum of a Prometheus counter's samples whose labels contain every `label="value"` given. */
export const metricSum = (text: string, name: string, labels: readonly string[] = []): number => {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!labels.every((label) => line.includes(label))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
};

/** Each pipeline stage: the service doing it and the counter (in its /metrics) that counts it. */
export const STAGES = {
  decided: {
    service: 'transaction',
    count: (m: string) =>
      metricSum(m, 'taxi_ride_decisions_total', ['outcome="confirmed"']) +
      metricSum(m, 'taxi_ride_decisions_total', ['outcome="rejected"']),
  },
  emailed: {
    service: 'email',
    count: (m: string) => metricSum(m, 'taxi_emails_total', ['outcome="sent"']),
  },
  counted: {
    service: 'analytics',
    // The committed count: the per-event counter also counts events of aborted transactions.
    count: (m: string) => metricSum(m, 'taxi_analytics_rides'),
  },
  readModel: {
    service: 'rides',
    count: (m: string) => metricSum(m, 'taxi_ride_outcomes_observed_total'),
  },
} as const satisfies Record<string, { service: ServiceName; count: (metrics: string) => number }>;

export type StageName = keyof typeof STAGES;
export const STAGE_NAMES = Object.keys(STAGES) as StageName[];

export interface Sample {
  /** Seconds since the run started. */
  readonly at: number;
  readonly counts: Record<StageName, number>;
  readonly usage: Partial<Record<ServiceName, ProcessUsage>>;
}

/**
 * One look at every service: its stage counter (from /metrics) and its CPU and memory. A service
 * that has exited fails the run; one too busy to answer in time skips this sample (undefined).
 */
export const sampleStack = async (stack: Stack, startedAt: number): Promise<Sample | undefined> => {
  for (const service of Object.values(stack.services)) {
    if (service.exitCode !== null)
      throw new Error(
        `${service.name} exited (${service.exitCode}):\n${service.stderr.join('\n')}`,
      );
  }
  try {
    return await sampleOnce(stack, startedAt);
  } catch (error) {
    process.stderr.write(
      `bench: a sample was skipped: ${String((error as Error).cause ?? error)}\n`,
    );
    return undefined;
  }
};

const sampleOnce = async (stack: Stack, startedAt: number): Promise<Sample> => {
  const counts = {} as Record<StageName, number>;
  const usage: Partial<Record<ServiceName, ProcessUsage>> = {};
  await Promise.all(
    STAGE_NAMES.map(async (stage) => {
      const { service, count } = STAGES[stage];
      const response = await fetch(`http://127.0.0.1:${stack.ports[service]}/metrics`, {
        signal: AbortSignal.timeout(5_000),
      });
      counts[stage] = count(await response.text());
      const pid = stack.services[service].pid;
      if (pid !== undefined) usage[service] = await processUsage(pid);
    }),
  );
  return { at: (Date.now() - startedAt) / 1000, counts, usage };
};

/**
 * Each service's heap limit and the memory limit it was sized from (its pod's, when the harness
 * could give it a cgroup; null when it ran without one), as the service logged them at start-up.
 */
export const memoryLimitsOf = (stack: Stack) =>
  Object.fromEntries(
    Object.values(stack.services).map((service) => {
      const line = service.logs.find((log) => log.msg === 'memory limits');
      return [
        service.name,
        line
          ? {
              heapMb: line['heapLimitMb'] as number,
              limitMb: line['memoryLimitMb'] as number | null,
            }
          : null,
      ];
    }),
  );
