import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { workspaceRoot } from '@taxi/stack-harness';
import { processUsage } from './service-usage';

/**
 * The broker's pids (one per node of a KAFKA_NODES cluster), as tools/dev-env/kafka/kafka.sh knows
 * them from its data dir; none when the broker is not one this checkout started (then its CPU is
 * left out of the budget).
 */
const brokerPids = (): number[] => {
  try {
    const listed = execFileSync(
      'bash',
      [path.join(workspaceRoot, 'tools/dev-env/kafka/kafka.sh'), 'pids'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
    return listed
      .split('\n')
      .map(Number)
      .filter((pid) => Number.isInteger(pid) && pid > 0);
  } catch {
    return [];
  }
};

export interface CpuReading {
  readonly broker: number | undefined;
  /** This process: the load writer, and the SMTP server when `BENCH_EMAIL=smtp`. */
  readonly bench: number;
}

/** CPU seconds used so far by the broker (all its nodes) and by this bench process. */
export const readCpu = async (): Promise<CpuReading> => {
  const pids = brokerPids();
  const usage = process.cpuUsage();
  const nodes = await Promise.all(
    pids.map((pid) =>
      processUsage(pid)
        .then((u) => u.cpuSeconds)
        .catch(() => undefined),
    ),
  );
  return {
    broker:
      nodes.length === 0 || nodes.includes(undefined)
        ? undefined
        : nodes.reduce<number>((sum, seconds) => sum + (seconds ?? 0), 0),
    bench: (usage.user + usage.system) / 1e6,
  };
};

/** CPU seconds per 1,000 rides, to the millisecond: the unit of every CPU figure in the report. */
export const per1000Rides = (cpuSeconds: number, rides: number): number =>
  Number(((cpuSeconds / Math.max(rides, 1)) * 1000).toFixed(3));

/**
 * Where the machine's CPU went per 1,000 rides: every service, the broker and the load, and what
 * that total allows on this machine's cores if nothing else ran. The end-to-end rate cannot beat
 * that ceiling, so it says how much cheaper the pipeline must get, and where.
 */
export const cpuBudget = (
  services: Record<string, number | null>,
  before: CpuReading,
  after: CpuReading,
  rides: number,
) => {
  const parts: Record<string, number> = {};
  for (const [service, cost] of Object.entries(services)) if (cost !== null) parts[service] = cost;
  if (before.broker !== undefined && after.broker !== undefined)
    parts['broker'] = per1000Rides(after.broker - before.broker, rides);
  parts['bench'] = per1000Rides(after.bench - before.bench, rides);
  const total = Number(
    Object.values(parts)
      .reduce((sum, cost) => sum + cost, 0)
      .toFixed(3),
  );
  return {
    cpuSecondsPer1000Rides: { ...parts, total },
    ridesPerSecondTheCoresAllow: total > 0 ? Math.round((os.cpus().length / total) * 1000) : null,
  };
};
