import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { workspaceRoot } from './workspace';

/**
 * A service run here gets the memory its Kubernetes pod has: a memory cgroup of its own with the
 * pod's limit, so that the runtime profile sizes its heap as in the pod (ADR 034) and the kernel
 * holds it to that limit. Where this process cannot make cgroups (not Linux, not root, cgroup v2
 * without a delegated memory controller), the service runs without one, and its heap is sized
 * from the machine's memory; the service's start-up log says which (`memoryLimitMb`).
 */

interface Deployment {
  kind?: string;
  spec?: {
    template?: {
      spec?: {
        containers?: { name: string; resources?: { limits?: { memory?: string } } }[];
      };
    };
  };
}

const UNITS: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
};

/** A Kubernetes memory quantity ("256Mi", "1G", "512000000") in bytes. */
export const quantityBytes = (quantity: string): number => {
  const match = /^(\d+)(k|M|G|Ki|Mi|Gi)?$/.exec(quantity);
  const factor = UNITS[match?.[2] ?? ''];
  if (!match || factor === undefined) throw new Error(`not a memory quantity: ${quantity}`);
  return Number(match[1]) * factor;
};

/** The memory limit of a service's container in its Deployment (k8s/base/<service>/). */
export const podMemoryLimitBytes = (service: string): number => {
  const file = path.join(workspaceRoot, 'k8s/base', service, 'deployment.yaml');
  const deployment = parseAllDocuments(readFileSync(file, 'utf8'))
    .map((document) => document.toJS() as Deployment)
    .find((document) => document.kind === 'Deployment');
  const container = deployment?.spec?.template?.spec?.containers?.find((c) => c.name === service);
  const limit = container?.resources?.limits?.memory;
  if (!limit) throw new Error(`${file}: no memory limit for the container ${service}`);
  return quantityBytes(limit);
};

/** This process's memory cgroup and the name of its limit file, if it has one we can see. */
const ownMemoryCgroup = (): { dir: string; limitFile: string } | undefined => {
  if (process.platform !== 'linux') return undefined;
  const lines = readFileSync('/proc/self/cgroup', 'utf8').split('\n');
  // cgroup v1: "4:memory:/path" (the controller may share its hierarchy: "4:memory,foo:/path").
  const v1 = lines
    .map((line) => /^\d+:([^:]*):(.*)$/.exec(line))
    .find((match) => match?.[1]?.split(',').includes('memory'));
  if (v1 && existsSync('/sys/fs/cgroup/memory')) {
    // In a container the mount is its own cgroup, whatever path /proc/self/cgroup names.
    const dir = path.join('/sys/fs/cgroup/memory', v1[2] ?? '');
    return {
      dir: existsSync(dir) ? dir : '/sys/fs/cgroup/memory',
      limitFile: 'memory.limit_in_bytes',
    };
  }
  // cgroup v2: "0::/path", controllers listed in the unified hierarchy's root.
  const v2 = lines.map((line) => /^0::(.*)$/.exec(line)).find(Boolean);
  if (v2 && existsSync('/sys/fs/cgroup/cgroup.controllers'))
    return { dir: path.join('/sys/fs/cgroup', v2[1] ?? ''), limitFile: 'memory.max' };
  return undefined;
};

export interface PodCgroup {
  /** The command that runs `command` inside the cgroup (a shell that moves itself there, then execs). */
  wrap(command: readonly string[]): string[];
  /** Removes the cgroup once the process in it has exited. */
  remove(): void;
}

let cgroups = 0;

/**
 * A memory cgroup of `limitBytes` for one service process, under this process's own; undefined
 * where none can be made here.
 */
export const podCgroup = (name: string, limitBytes: number): PodCgroup | undefined => {
  const own = ownMemoryCgroup();
  if (!own) return undefined;
  const dir = path.join(own.dir, `taxi-${name}-${process.pid}-${(cgroups += 1)}`);
  try {
    mkdirSync(dir);
    writeFileSync(path.join(dir, own.limitFile), String(limitBytes));
  } catch {
    try {
      rmdirSync(dir);
    } catch {
      // It was not made.
    }
    return undefined;
  }
  return {
    wrap: (command) => [
      '/bin/sh',
      '-c',
      'echo $$ > "$0/cgroup.procs" && exec "$@"',
      dir,
      ...command,
    ],
    remove: () => {
      try {
        rmdirSync(dir);
      } catch {
        // Left behind (empty) if the process outlived us; the parent's owner can remove it.
      }
    },
  };
};
