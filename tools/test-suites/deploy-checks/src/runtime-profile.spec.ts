import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'dotenv';
import { readWorkspaceFile, workspaceRoot } from './deploy-files';

// deploy/runtime: the profile every service runs with (ADR 034), and its one reader, which the
// image's entrypoint, `npm start` and the stack harness (e2e tests, bench) all run.

const READER = path.join(workspaceRoot, 'deploy/runtime/with-profile.sh');
/** The profile as dotenv (and Node's --env-file) read it. */
const profile = () => parse(readWorkspaceFile('deploy/runtime/profile.env'));

/** `command` run through a reader, with only PATH and `env` set; its stdout and exit code. */
const throughReader = (command: string[], env: Record<string, string> = {}, reader = READER) => {
  const child = spawnSync('/bin/sh', [reader, ...command], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    encoding: 'utf8',
  });
  return { stdout: child.stdout, stderr: child.stderr, status: child.status, pid: child.pid };
};

/** The environment a command run through the reader sees. */
const environmentOf = (env: Record<string, string> = {}) =>
  JSON.parse(
    throughReader(
      [process.execPath, '-e', 'process.stdout.write(JSON.stringify(process.env))'],
      env,
    ).stdout,
  ) as Record<string, string>;

describe('the runtime profile', () => {
  it('when the reader runs a command, then the command sees every variable of the profile, as dotenv reads it', () => {
    const seen = environmentOf();

    for (const [name, value] of Object.entries(profile()))
      expect({ name, value: seen[name] }).toEqual({ name, value });
  });

  it('when the environment already sets a variable of the profile, then the environment wins', () => {
    const seen = environmentOf({ MALLOC_ARENA_MAX: '4' });

    expect(seen['MALLOC_ARENA_MAX']).toBe('4');
    expect(seen['NODE_OPTIONS']).toBe(profile()['NODE_OPTIONS']);
  });

  it('when the reader runs a command, then the command keeps its process (PID 1 in a container)', () => {
    const run = throughReader(['/bin/sh', '-c', 'echo $$']);

    expect(Number(run.stdout.trim())).toBe(run.pid);
  });

  it("when the command is node, then the profile's V8 flags come first on its command line", () => {
    const flags = (profile()['NODE_V8_FLAGS'] ?? '').split(' ').filter(Boolean);

    const run = throughReader([
      process.execPath,
      '-e',
      'console.log(JSON.stringify(process.execArgv))',
    ]);

    expect(flags.length).toBeGreaterThan(0);
    expect(JSON.parse(run.stdout)).toEqual([...flags, '-e', expect.any(String)]);
  });

  it('when the command is not node, then its arguments are left as they are', () => {
    const run = throughReader(['/bin/sh', '-c', 'echo "$@"', 'sh', 'a', 'b']);

    expect(run.stdout).toBe('a b\n');
  });

  it('when the profile holds a line that is not NAME=value, then the reader exits 2 naming it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'profile-'));
    try {
      copyFileSync(READER, path.join(dir, 'with-profile.sh'));
      writeFileSync(path.join(dir, 'profile.env'), 'NODE_OPTIONS=--enable-source-maps\n1X=2\n');

      const run = throughReader(['true'], {}, path.join(dir, 'with-profile.sh'));

      expect(run.status).toBe(2);
      expect(run.stderr).toContain('not NAME=value: 1X=2');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /**
   * The growing factors V8 reports (`--trace-gc-verbose`) while a child under a 128 MB cap (a
   * 256Mi pod's) keeps 100,000 objects and churns short-lived batches through the old space.
   */
  const growingFactors = (v8Flags: string[]): Set<string> => {
    const script = `
      const kept = [];
      for (let i = 0; i < 100_000; i++) kept.push({ id: 'ride-' + i });
      const recent = new Array(100);
      for (let round = 0; round < 3_000; round++) {
        const batch = [];
        for (let i = 0; i < 2_000; i++) batch.push({ round, i });
        recent[round % 100] = batch;
      }
    `;
    const child = spawnSync(
      process.execPath,
      [...v8Flags, '--max-old-space-size=128', '--trace-gc-verbose', '-e', script],
      { encoding: 'utf8' },
    );
    return new Set(
      [...child.stdout.matchAll(/HeapController\] factor ([\d.]+)/g)].map((m) => m[1] ?? ''),
    );
  };

  it("when a service runs with the profile's V8 flags, then V8 lets its old space double under a 128 MB cap", () => {
    const flags = (profile()['NODE_V8_FLAGS'] ?? '').split(' ').filter(Boolean);

    expect(growingFactors(flags)).toEqual(new Set(['2.0']));
  });

  it('when a service runs without them, then V8 holds it at 1.3 under that cap (what the flag changes)', () => {
    expect(growingFactors([])).toEqual(new Set(['1.3']));
  });

  it('when Node starts with the profile NODE_OPTIONS, then it accepts every flag', () => {
    // Node allows only some V8 flags in NODE_OPTIONS and refuses to start on any other.
    const stderrOf = (nodeOptions: string) =>
      spawnSync(process.execPath, ['-e', '0'], {
        env: { PATH: process.env['PATH'] ?? '', NODE_OPTIONS: nodeOptions },
        encoding: 'utf8',
      }).stderr;
    const options = profile()['NODE_OPTIONS'] ?? '';

    expect(options).toContain('--max-old-space-size-percentage=');
    expect(stderrOf(options)).toBe('');
    // And the V8 flags, on the command line, where the reader puts them.
    const flags = (profile()['NODE_V8_FLAGS'] ?? '').split(' ').filter(Boolean);
    expect(spawnSync(process.execPath, [...flags, '-e', '0'], { encoding: 'utf8' }).stderr).toBe(
      '',
    );
    // The check can fail: a V8 flag outside Node's list is refused there.
    expect(stderrOf('--heap-growing-percent=100')).toMatch(/not allowed in NODE_OPTIONS/);
  });
});
