/** Kubernetes resource quantities as the kernel's cgroups hold them. */

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 };
const DECIMAL: Record<string, number> = { K: 1e3, M: 1e6, G: 1e9 };

/** A memory quantity (`512Mi`, `1Gi`, `64M`, `1000`) in bytes: the cgroup's memory limit. */
export const memoryBytes = (quantity: string): number => {
  const match = /^(\d+)([KMG]i?)?$/.exec(quantity);
  if (!match) throw new Error(`not a memory quantity this suite knows: ${quantity}`);
  const unit = match[2] ?? '';
  return Number(match[1]) * (BINARY[unit] ?? DECIMAL[unit] ?? 1);
};

/** A CPU quantity (`500m`, `1`, `2`) as the CFS quota per 100 ms period, in microseconds. */
export const cpuQuotaMicros = (quantity: string): number => {
  const match = /^(\d+)(m?)$/.exec(quantity);
  if (!match) throw new Error(`not a CPU quantity this suite knows: ${quantity}`);
  return match[2] ? Number(match[1]) * 100 : Number(match[1]) * 100_000;
};
