import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface HotFunction {
  readonly function: string;
  /** Share of the process's sampled CPU time spent in the function itself. */
  readonly selfPercent: number;
}

const where = ({ functionName, url, lineNumber }: ProfileNode['callFrame']) => {
  const file = url.includes('node_modules/')
    ? url.slice(url.lastIndexOf('node_modules/') + 'node_modules/'.length)
    : path.basename(url);
  return `${functionName || '(anonymous)'} ${file}${file ? `:${lineNumber + 1}` : ''}`;
};

/** The functions with the most self time (of the busy time) over every `.cpuprofile` in a folder (`node --cpu-prof`). */
export const hottestFunctions = async (dir: string, top = 12): Promise<HotFunction[]> => {
  const selfTime = new Map<string, number>();
  let total = 0;
  for (const file of (await readdir(dir)).filter((name) => name.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(await readFile(path.join(dir, file), 'utf8')) as CpuProfile;
    const names = new Map(profile.nodes.map((node) => [node.id, where(node.callFrame)]));
    profile.samples.forEach((id, index) => {
      const delta = profile.timeDeltas[index] ?? 0;
      const name = names.get(id) ?? '?';
      // Waiting is not work: shares are of the time the process was busy.
      if (name.startsWith('(idle)')) return;
      selfTime.set(name, (selfTime.get(name) ?? 0) + delta);
      total += delta;
    });
  }
  return [...selfTime]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, time]) => ({
      function: name,
      selfPercent: Number(((time / Math.max(total, 1)) * 100).toFixed(1)),
    }));
};
