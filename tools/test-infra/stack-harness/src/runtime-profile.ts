import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'dotenv';
import { workspaceRoot } from './workspace';

/** The runtime profile every service runs with (deploy/runtime/profile.env, ADR 034). */
export const runtimeProfile = (): Record<string, string> =>
  parse(readFileSync(path.join(workspaceRoot, 'deploy/runtime/profile.env')));

/** What a service's container or pod shows of how the image's entrypoint started it. */
export interface StartedService {
  /** PID 1's /proc/1/cmdline, as read (NUL-separated). */
  readonly cmdline: string;
  /** PID 1's /proc/1/environ, as read (NUL-separated). */
  readonly environ: string;
  /** The service's output: JSON log lines, of which its `memory limits` line is read. */
  readonly logs: string;
  /** The memory limit its container or pod was given, in MB. */
  readonly memoryLimitMb: number;
}

const flagValue = (options: string, flag: string): number => {
  const value = options.split(' ').find((option) => option.startsWith(`${flag}=`));
  if (value === undefined) throw new Error(`the runtime profile's NODE_OPTIONS has no ${flag}`);
  return Number(value.slice(flag.length + 1));
};

/** The heap limit V8 reports under the profile's flags: its share of the limit, 3 semi-spaces. */
export const expectedHeapLimitMb = (profile: Record<string, string>, memoryLimitMb: number) => {
  const options = profile['NODE_OPTIONS'] ?? '';
  return (
    (memoryLimitMb * flagValue(options, '--max-old-space-size-percentage')) / 100 +
    3 * flagValue(options, '--max-semi-space-size')
  );
};

/**
 * How a started service differs from the runtime profile: PID 1 must be `node` with the profile's
 * V8 flags and `main.js`, have every variable of the profile in its environment (or one the
 * deployment set instead: it wins), and log a heap limit derived from its memory limit. Empty
 * when it does not differ.
 */
export const runtimeProfileProblems = (
  started: StartedService,
  profile: Record<string, string> = runtimeProfile(),
): string[] => {
  const problems: string[] = [];
  const argv = started.cmdline.split('\0').filter(Boolean);
  const wanted = [
    'node',
    ...(profile['NODE_V8_FLAGS'] ?? '').split(' ').filter(Boolean),
    'main.js',
  ];
  if (argv.join(' ') !== wanted.join(' '))
    problems.push(`PID 1 is \`${argv.join(' ')}\`, not \`${wanted.join(' ')}\``);
  const environment = new Set(
    started.environ
      .split('\0')
      .filter(Boolean)
      .map((entry) => entry.split('=')[0]),
  );
  for (const name of Object.keys(profile))
    if (!environment.has(name)) problems.push(`${name} is not in PID 1's environment`);
  const limits = started.logs
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map(
      (line) => JSON.parse(line) as { msg?: string; heapLimitMb?: number; memoryLimitMb?: number },
    )
    .find((line) => line.msg === 'memory limits');
  if (!limits) return [...problems, 'no `memory limits` line in its logs'];
  if (limits.memoryLimitMb !== started.memoryLimitMb)
    problems.push(
      `it was sized from ${limits.memoryLimitMb} MB, not its ${started.memoryLimitMb} MB limit`,
    );
  const heapMb = expectedHeapLimitMb(profile, started.memoryLimitMb);
  if (Math.abs((limits.heapLimitMb ?? 0) - heapMb) > 1)
    problems.push(`its heap limit is ${limits.heapLimitMb} MB, not ${heapMb} MB`);
  return problems;
};
