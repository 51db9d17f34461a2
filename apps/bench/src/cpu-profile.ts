import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface ProfileSummary {
  /** Functions by self time: share of the process's busy CPU time spent in the function itself. */
  readonly hottestFunctions: { function: string; selfPercent: number }[];
  /** Packages by inclusive time: share of busy time with the package anywhere on the stack. */
  readonly packages: { package: string; percent: number }[];
}

const MODULES = 'node_modules/';

const packageOf = (url: string): string | undefined => {
  const at = url.lastIndexOf(MODULES);
  if (at < 0) return undefined;
  const [scope, name] = url.slice(at + MODULES.length).split('/');
  return scope?.startsWith('@') ? `${scope}/${name}` : scope;
};

const where = ({ functionName, url, lineNumber }: ProfileNode['callFrame']) => {
  const file = url.includes(MODULES)
    ? url.slice(url.lastIndexOf(MODULES) + MODULES.length)
    : path.basename(url);
  return `${functionName || '(anonymous)'} ${file}${file ? `:${lineNumber + 1}` : ''}`;
};

const percentages = (times: Map<string, number>, total: number, top: number) =>
  [...times]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, time]) => [name, Number(((time / Math.max(total, 1)) * 100).toFixed(1))] as const);

/** Where a service's CPU went, over every `.cpuprofile` in a folder (`node --cpu-prof`). */
export const summariseProfiles = async (dir: string, top = 12): Promise<ProfileSummary> => {
  const selfTime = new Map<string, number>();
  const packageTime = new Map<string, number>();
  let total = 0;
  for (const file of (await readdir(dir)).filter((name) => name.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(await readFile(path.join(dir, file), 'utf8')) as CpuProfile;
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const parentOf = new Map<number, number>();
    for (const node of profile.nodes)
      for (const child of node.children ?? []) parentOf.set(child, node.id);
    const packagesOnStack = new Map<number, ReadonlySet<string>>();
    const packagesOf = (id: number): ReadonlySet<string> => {
      const known = packagesOnStack.get(id);
      if (known) return known;
      const parent = parentOf.get(id);
      const found = new Set(parent === undefined ? [] : packagesOf(parent));
      const own = packageOf(byId.get(id)?.callFrame.url ?? '');
      if (own) found.add(own);
      packagesOnStack.set(id, found);
      return found;
    };
    profile.samples.forEach((id, index) => {
      const node = byId.get(id);
      // Waiting is not work: shares are of the time the process was busy.
      if (!node || node.callFrame.functionName === '(idle)') return;
      const delta = profile.timeDeltas[index] ?? 0;
      total += delta;
      const name = where(node.callFrame);
      selfTime.set(name, (selfTime.get(name) ?? 0) + delta);
      for (const name of packagesOf(id))
        packageTime.set(name, (packageTime.get(name) ?? 0) + delta);
    });
  }
  return {
    hottestFunctions: percentages(selfTime, total, top).map(([name, percent]) => ({
      function: name,
      selfPercent: percent,
    })),
    packages: percentages(packageTime, total, top).map(([name, percent]) => ({
      package: name,
      percent,
    })),
  };
};
