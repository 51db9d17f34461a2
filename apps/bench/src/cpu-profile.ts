import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { KAFKAJS_PARTS, kafkajsAttributor, type KafkajsPart } from './kafkajs-share';

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
  /** kafkajs' share of busy time, in total and by part (kafkajs-share.ts; ADR 033). */
  readonly kafkajs: {
    /** Its own code running. */
    readonly selfPercent: KafkajsShares;
    /** Its own code and the Node internals it called: at most what another client could save. */
    readonly withNodeInternalsPercent: KafkajsShares;
  };
  /** V8's garbage collector, which the profile does not attribute to any caller. */
  readonly garbageCollectorPercent: number;
}

export type KafkajsShares = { total: number } & Record<KafkajsPart, number>;

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

const percent = (time: number, total: number) =>
  Number(((time / Math.max(total, 1)) * 100).toFixed(1));

const shares = (times: Map<KafkajsPart, number>, total: number): KafkajsShares => {
  const byPart = KAFKAJS_PARTS.map((part) => [part, times.get(part) ?? 0] as const);
  return {
    total: percent(
      byPart.reduce((sum, [, time]) => sum + time, 0),
      total,
    ),
    ...(Object.fromEntries(byPart.map(([part, time]) => [part, percent(time, total)])) as Record<
      KafkajsPart,
      number
    >),
  };
};

const add = <Key>(times: Map<Key, number>, key: Key | undefined, time: number) => {
  if (key !== undefined) times.set(key, (times.get(key) ?? 0) + time);
};

const percentages = (times: Map<string, number>, total: number, top: number) =>
  [...times]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, time]) => [name, percent(time, total)] as const);

/** The `.cpuprofile`s in a folder (`node --cpu-prof`), oldest first: one per process. */
export const profilesIn = async (dir: string): Promise<string[]> => {
  const files = (await readdir(dir))
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => path.join(dir, name));
  const written = new Map(
    await Promise.all(files.map(async (file) => [file, (await stat(file)).mtimeMs] as const)),
  );
  return files.sort((a, b) => (written.get(a) ?? 0) - (written.get(b) ?? 0));
};

/** Where a service's CPU went, over the given `.cpuprofile`s. */
export const summariseProfiles = async (
  files: readonly string[],
  top = 12,
): Promise<ProfileSummary> => {
  const selfTime = new Map<string, number>();
  const packageTime = new Map<string, number>();
  const kafkajsSelf = new Map<KafkajsPart, number>();
  const kafkajsWithInternals = new Map<KafkajsPart, number>();
  let garbageCollector = 0;
  let total = 0;
  for (const file of files) {
    const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
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
    const kafkajsOf = kafkajsAttributor(
      (id) => byId.get(id)?.callFrame,
      (id) => parentOf.get(id),
    );
    profile.samples.forEach((id, index) => {
      const node = byId.get(id);
      // Waiting is not work: shares are of the time the process was busy.
      if (!node || node.callFrame.functionName === '(idle)') return;
      const delta = profile.timeDeltas[index] ?? 0;
      total += delta;
      const name = where(node.callFrame);
      add(selfTime, name, delta);
      for (const name of packagesOf(id)) add(packageTime, name, delta);
      const kafkajs = kafkajsOf(id);
      add(kafkajsSelf, kafkajs.self, delta);
      add(kafkajsWithInternals, kafkajs.withNodeInternals, delta);
      if (node.callFrame.functionName === '(garbage collector)') garbageCollector += delta;
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
    kafkajs: {
      selfPercent: shares(kafkajsSelf, total),
      withNodeInternalsPercent: shares(kafkajsWithInternals, total),
    },
    garbageCollectorPercent: percent(garbageCollector, total),
  };
};

const per1000 = (cpuSeconds: number, percentOf: number) =>
  Number(((cpuSeconds * percentOf) / 100).toFixed(4));

/**
 * kafkajs' CPU seconds per 1,000 rides in each service of a Kafka-side run: its share of the
 * profile of the process that ran the rides (the first one; the restarts after the run are left
 * out) times the service's CPU seconds per 1,000 rides (ADR 033's migration trigger).
 */
export const kafkajsPer1000Rides = async (
  profileDir: string,
  cpuSecondsPer1000Rides: Readonly<Record<string, number | null>>,
) => {
  const costs: Record<string, unknown> = {};
  for (const [service, cpu] of Object.entries(cpuSecondsPer1000Rides)) {
    const [run] = await profilesIn(path.join(profileDir, service)).catch(() => []);
    if (cpu === null || run === undefined) continue;
    const { kafkajs, garbageCollectorPercent } = await summariseProfiles([run]);
    costs[service] = {
      cpuSecondsPer1000Rides: cpu,
      kafkajsSelf: per1000(cpu, kafkajs.selfPercent.total),
      kafkajsWithNodeInternals: per1000(cpu, kafkajs.withNodeInternalsPercent.total),
      ...kafkajs,
      garbageCollectorPercent,
    };
  }
  return costs;
};
