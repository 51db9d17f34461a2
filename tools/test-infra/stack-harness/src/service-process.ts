import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { podCgroup, podMemoryLimitBytes } from './pod-memory';
import { workspaceRoot } from './workspace';

export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** The pipeline's services, and the web page that shows them. */
export type ServiceName = 'rides' | 'transaction' | 'email' | 'analytics' | 'web';

/** The runtime profile's one reader (ADR 034): it execs the command with the profile's settings. */
const WITH_PROFILE = path.join(workspaceRoot, 'deploy/runtime/with-profile.sh');

/**
 * One service running as its own Node process from its build output, with its JSON logs parsed:
 * the working tree's (`dist/apps/<name>`), or another release's built by build-release.sh.
 */
export class ServiceProcess {
  readonly logs: LogLine[] = [];
  readonly stderr: string[] = [];
  private waiters: { matches: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];
  readonly exited: Promise<number | null>;

  private constructor(
    readonly name: ServiceName,
    private readonly child: ChildProcess,
  ) {
    this.exited = once(child, 'exit').then(([code]) => code as number | null);
    if (!child.stdout || !child.stderr) throw new Error(`${name}: no output pipes`);
    // E2E_LOG_DIR=<dir> keeps every process's output in a file, for looking into a failure.
    const logDir = process.env['E2E_LOG_DIR'];
    if (logDir) {
      mkdirSync(logDir, { recursive: true });
      const file = createWriteStream(path.join(logDir, `${name}-${child.pid}.log`));
      child.stdout.pipe(file);
      child.stderr.pipe(file);
    }
    createInterface({ input: child.stdout }).on('line', (text) => this.onLine(text));
    createInterface({ input: child.stderr }).on('line', (text) => this.stderr.push(text));
  }

  /**
   * Runs the service as its image does (node with the runtime profile), under its pod's memory
   * limit where this machine lets the harness make a memory cgroup (./pod-memory). Another
   * release's build runs with this tree's runtime profile: the profile is the deployment's.
   */
  static start(
    name: ServiceName,
    env: Record<string, string>,
    release: string = workspaceRoot,
  ): ServiceProcess {
    // E2E_NODE_ARGS="--cpu-prof --cpu-prof-dir=tmp/prof/{name}" profiles every service into a
    // folder of its own (the bench does that); {name} is the service's name.
    const nodeArgs = (process.env['E2E_NODE_ARGS'] ?? '')
      .split(' ')
      .filter(Boolean)
      .map((arg) => arg.replaceAll('{name}', name));
    const command = [
      '/bin/sh',
      WITH_PROFILE,
      process.execPath,
      ...nodeArgs,
      path.join(release, 'dist/apps', name, 'main.js'),
    ];
    const cgroup = podCgroup(name, podMemoryLimitBytes(name));
    const [file = '', ...args] = cgroup ? cgroup.wrap(command) : command;
    const child = spawn(file, args, {
      cwd: release,
      env: { PATH: process.env['PATH'] ?? '', LOG_FORMAT: 'json', LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const service = new ServiceProcess(name, child);
    void service.exited.then(() => cgroup?.remove());
    return service;
  }

  private onLine(text: string) {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      return;
    }
    this.logs.push(line);
    const ready = this.waiters.filter((waiter) => waiter.matches(line));
    this.waiters = this.waiters.filter((waiter) => !ready.includes(waiter));
    ready.forEach((waiter) => waiter.resolve(line));
  }

  /** Resolves with the first log line (past or future) that matches; rejects if the process exits first. */
  waitForLog(matches: (line: LogLine) => boolean, what = 'log line'): Promise<LogLine> {
    const seen = this.logs.find(matches);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      this.waiters.push({ matches, resolve });
      this.exited.then((code) => {
        // Its own account of why: the services log a fatal start-up error to stdout, not stderr.
        const errors = this.logs.filter((line) => line.level >= 50).slice(-3);
        const why = [...errors.map((line) => JSON.stringify(line)), ...this.stderr];
        reject(new Error(`${this.name} exited (${code}) before ${what}\n${why.join('\n')}`));
      });
    });
  }

  /** Resolves once `count` matching lines were logged. */
  async waitForLogs(matches: (line: LogLine) => boolean, count: number): Promise<LogLine[]> {
    let seen = this.logs.filter(matches);
    while (seen.length < count) {
      await this.waitForLog((line) => matches(line) && !seen.includes(line), `${count} lines`);
      seen = this.logs.filter(matches);
    }
    return seen;
  }

  /** The port its HTTP server listens on, once it logged it. */
  get port(): number | undefined {
    const port = this.logs.find((line) => typeof line['port'] === 'number')?.['port'];
    return port as number | undefined;
  }

  /** The operating system's process id (for /proc figures). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Null while the process runs; its exit code (or the signal that ended it) after. */
  get exitCode(): number | string | null {
    return this.child.exitCode ?? this.child.signalCode;
  }

  /** Sends a signal and resolves with the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    this.child.kill(signal);
    return this.exited;
  }
}

/** Starts a service and resolves once it logged `readyMessage` (e.g. its consumer joined). */
export const startService = async (
  name: ServiceName,
  env: Record<string, string>,
  readyMessage: string,
  release: string = workspaceRoot,
): Promise<{ process: ServiceProcess; port: number }> => {
  const service = ServiceProcess.start(name, env, release);
  const listening = await service.waitForLog(
    (line) => typeof line['port'] === 'number',
    'listening',
  );
  await service.waitForLog((line) => line.msg === readyMessage, readyMessage);
  return { process: service, port: listening['port'] as number };
};
