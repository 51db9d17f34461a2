import { totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';

export interface MemoryLimits {
  /** V8's heap limit (old space and young generation), in MB. */
  readonly heapLimitMb: number;
  /** The memory limit of this process's cgroup (a pod's, a container's), in MB; null if none. */
  readonly memoryLimitMb: number | null;
}

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);

/**
 * What the runtime profile (deploy/runtime/profile.env, ADR 034) made of this process's memory:
 * the heap is sized from the cgroup's limit where there is one, else from the machine's memory.
 * Logged at start-up, so an operator sees the heap a pod's limit gave the service.
 */
export const memoryLimits = (): MemoryLimits => {
  // Node reports a huge number, not 0, when no cgroup limits the process.
  const constrained = process.constrainedMemory();
  return {
    heapLimitMb: mb(getHeapStatistics().heap_size_limit),
    memoryLimitMb: constrained > 0 && constrained < totalmem() ? mb(constrained) : null,
  };
};
