import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { workspaceRoot } from './workspace';

const run = promisify(execFile);
const script = path.join(workspaceRoot, 'tools/dev-env/kafka/kafka.sh');

/** A broker of the test's own (tools/dev-env/kafka/kafka.sh on its own port and data dir) to stop and start. */
export class LocalBroker {
  private constructor(private readonly env: NodeJS.ProcessEnv) {}

  static async start(port: number): Promise<LocalBroker> {
    const broker = new LocalBroker({
      ...process.env,
      KAFKA_PORT: String(port),
      // Its own controller port too: one inherited from the shared broker's settings would clash.
      KAFKA_CONTROLLER_PORT: String(port + 1),
      KAFKA_DATA_DIR: path.join(workspaceRoot, `.kafka/fault-${port}`),
    });
    await broker.kafka('reset');
    await broker.kafka('start');
    return broker;
  }

  get bootstrap(): string {
    return `127.0.0.1:${this.env['KAFKA_PORT']}`;
  }

  async kafka(command: 'start' | 'stop' | 'reset'): Promise<void> {
    await run('bash', [script, command], { env: this.env });
  }
}
