import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { KafkaClient } from '@taxi/kafka';
import { partitionPlacements, testKafka, type PartitionPlacement } from '@taxi/kafka/testing';
import { eventually, uniqueName } from '@taxi/testing';
import type { Replication } from './stack';
import { workspaceRoot } from './workspace';

const run = promisify(execFile);
const script = path.join(workspaceRoot, 'tools/dev-env/kafka/kafka.sh');

export type { PartitionPlacement };

/**
 * A replicated cluster of the test's own: tools/dev-env/kafka/kafka.sh with KAFKA_NODES=3 on its
 * own ports (node N on firstPort + 2(N-1), its controller one above) and data dir, whose nodes a
 * test kills, stops and starts one at a time. Configured as production is: replication 3,
 * min.insync.replicas 2, a quorum of three controllers.
 */
export class LocalCluster {
  /** What the services must create topics with on this cluster. */
  readonly replication: Replication = { factor: 3, minInSync: 2 };
  readonly nodeIds: readonly number[];
  private readonly kafka: KafkaClient;

  private constructor(
    private readonly env: NodeJS.ProcessEnv,
    readonly bootstrap: string,
    nodes: number,
  ) {
    this.nodeIds = Array.from({ length: nodes }, (_, i) => i + 1);
    this.kafka = testKafka(uniqueName('cluster-admin'), bootstrap.split(','));
  }

  /** A fresh cluster (its data dir reset), started and ready. */
  static async start(firstPort: number, nodes = 3): Promise<LocalCluster> {
    const env = {
      ...process.env,
      KAFKA_NODES: String(nodes),
      KAFKA_PORT: String(firstPort),
      // Its own controller ports too: ones inherited from the shared broker's settings would clash.
      KAFKA_CONTROLLER_PORT: String(firstPort + 1),
      KAFKA_DATA_DIR: path.join(workspaceRoot, `.kafka/cluster-${firstPort}`),
      // The client-side compiler only: a node starts in half the time on a busy 2-core machine
      // (8.5-9 s instead of 16-24 s), and tests restart nodes again and again. The brokers run
      // slower code, which a few rides a second never notice.
      KAFKA_JVM_OPTS: process.env['KAFKA_JVM_OPTS'] ?? '-XX:TieredStopAtLevel=1',
    };
    const bootstrap = (await run('bash', [script, 'bootstrap'], { env })).stdout.trim();
    const cluster = new LocalCluster(env, bootstrap, nodes);
    await cluster.kafkaSh('reset');
    await cluster.kafkaSh('start');
    return cluster;
  }

  /** The variables that point tools/dev-env/kafka/kafka.sh at this cluster (for a shell). */
  get shellEnv(): Record<string, string> {
    const names = [
      'KAFKA_NODES',
      'KAFKA_PORT',
      'KAFKA_CONTROLLER_PORT',
      'KAFKA_DATA_DIR',
      'KAFKA_JVM_OPTS',
    ];
    return Object.fromEntries(names.map((name) => [name, this.env[name] ?? '']));
  }

  /** SIGKILL: the node crashes; its clients see their connections reset. */
  kill(node: number): Promise<void> {
    return this.kafkaSh('kill', node);
  }

  /** SIGTERM: a controlled shutdown (leaderships handed over first). */
  stop(node: number): Promise<void> {
    return this.kafkaSh('stop', node);
  }

  /** Starts a node on its old data and waits until it is up (not until it caught up). */
  start(node: number): Promise<void> {
    return this.kafkaSh('start', node);
  }

  /** Every node, stopped together. */
  stopAll(): Promise<void> {
    return this.kafkaSh('stop');
  }

  /** The active controller: the leader of the KRaft quorum. */
  async activeController(): Promise<number> {
    const { stdout } = await run('bash', [script, 'controller'], { env: this.env });
    return Number(stdout.trim());
  }

  /** Where every partition of these topics (default: every topic, Kafka's own too) lives now. */
  placements(topics?: readonly string[]): Promise<PartitionPlacement[]> {
    return partitionPlacements(this.kafka, topics);
  }

  /** The node leading the most partitions of a topic (the lowest id on a tie). */
  async leaderOfMost(topic: string): Promise<{ node: number; partitions: number }> {
    const counts = new Map<number, number>();
    for (const { leader } of await this.placements([topic]))
      counts.set(leader, (counts.get(leader) ?? 0) + 1);
    const [node, partitions] = [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0] ?? [-1, 0];
    return { node, partitions };
  }

  /**
   * Resolves once every partition of every topic, the internal ones included, has a leader and
   * all its replicas in sync: a node that came back has caught up.
   */
  async waitForInSync(timeoutMs = 120_000): Promise<void> {
    await eventually(
      () =>
        this.placements().then(
          (all) =>
            all
              .filter((p) => p.leader < 0 || p.isr.length < p.replicas.length)
              .map((p) => `${p.topic}/${p.partition} isr ${p.isr.join(',')}`),
          (error: Error) => [error.message],
        ),
      (lagging) => lagging.length === 0,
      { timeoutMs, everyMs: 250 },
    );
  }

  private async kafkaSh(command: string, node?: number): Promise<void> {
    const args = node === undefined ? [script, command] : [script, command, String(node)];
    await run('bash', args, { env: this.env });
  }
}
