import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { NAMESPACE } from './kubectl';

const FORWARDING = /Forwarding from 127\.0\.0\.1:(\d+)/;

/**
 * kubectl's complaint when the pod it forwards to is gone (a rollout, an eviction) or its
 * container restarted: it keeps listening, but no connection gets through any more.
 */
const BROKEN =
  /error forwarding port|lost connection to pod|error copying from|an error occurred forwarding/;

/**
 * `kubectl port-forward` on 127.0.0.1, kept open: kubectl forwards to one pod of the target, and
 * once that pod goes away (a rollout, an eviction) it says so and forwards nothing more. Then
 * that kubectl is stopped and a new one started on the same local port, which finds a pod that
 * runs now. Connections in between fail, as a client sees a restarting service; the load
 * retries them.
 */
export class PortForward {
  private child: ChildProcess | undefined;
  private closed = false;
  /** How many times kubectl was started again after it exited. */
  restarts = 0;

  private constructor(
    private readonly target: string,
    private readonly remotePort: number,
    private localPort = 0,
  ) {}

  static async open(target: string, remotePort: number): Promise<PortForward> {
    const forward = new PortForward(target, remotePort);
    await forward.start();
    return forward;
  }

  get port(): number {
    return this.localPort;
  }

  get url(): string {
    return `http://127.0.0.1:${this.localPort}`;
  }

  private async start(): Promise<void> {
    const child = spawn(
      'kubectl',
      [
        '-n',
        NAMESPACE,
        'port-forward',
        '--address',
        '127.0.0.1',
        this.target,
        `${this.localPort}:${this.remotePort}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    let output = '';
    const forwarding = new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = FORWARDING.exec(output);
        if (match) resolve(Number(match[1]));
      });
      child.stderr.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (BROKEN.test(chunk.toString())) child.kill('SIGTERM');
      });
      child.once('exit', (code) =>
        reject(new Error(`kubectl port-forward ${this.target} exited (${code}): ${output.trim()}`)),
      );
    });
    this.localPort = await forwarding;
    child.once('exit', () => void this.restart());
  }

  private async restart(): Promise<void> {
    while (!this.closed) {
      this.restarts += 1;
      try {
        await this.start();
        return;
      } catch {
        // No running pod yet (the replacement is starting): try again shortly.
        await delay(250);
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  }
}
