import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { workspaceRoot } from '@taxi/stack-harness';

const run = promisify(execFile);
const kafkaScript = path.join(workspaceRoot, 'tools/dev-env/kafka/kafka.sh');

export interface BrokerCeiling {
  readonly records: number;
  /** kafka-producer-perf-test: 600-byte records, acks=all, idempotent. */
  readonly producerRecordsPerSecond: number;
  readonly producerLatencyMs: { avg: number; p99: number };
  /** kafka-consumer-perf-test reading those records back. */
  readonly consumerRecordsPerSecond: number;
}

const kafkaClass = async (main: string, args: readonly string[]): Promise<string> => {
  const { stdout } = await run('bash', [kafkaScript, 'class', main, ...args], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
};

const numberAfter = (text: string, pattern: RegExp): number => {
  const found = pattern.exec(text);
  if (!found?.[1]) throw new Error(`no ${pattern} in:\n${text}`);
  return Number(found[1]);
};

/**
 * The broker's single-hop ceiling on this machine, with Kafka's own perf tools (a JVM client, no
 * Node in the way): what one produce and one consume of a ride-sized record cost here, so that
 * runs on different machines compare as ratios of it. `topic` must exist (the ride partitions).
 */
export const measureBrokerCeiling = async (
  brokers: string,
  topic: string,
  records: number,
): Promise<BrokerCeiling> => {
  const produced = await kafkaClass('org.apache.kafka.tools.ProducerPerformance', [
    '--topic',
    topic,
    '--num-records',
    String(records),
    '--record-size',
    '600',
    '--throughput',
    '-1',
    '--producer-props',
    `bootstrap.servers=${brokers}`,
    'acks=all',
    'enable.idempotence=true',
  ]);
  // The last line sums up: "N records sent, R records/sec (M MB/sec), A ms avg latency, ...".
  const summary = produced.trim().split('\n').pop() ?? '';
  const consumed = await kafkaClass('org.apache.kafka.tools.ConsumerPerformance', [
    '--bootstrap-server',
    brokers,
    '--topic',
    topic,
    '--num-records',
    String(records),
    '--timeout',
    '60000',
  ]);
  // A CSV header line, then one line of values.
  const [header, values] = consumed.trim().split('\n').slice(-2);
  const columns = (header ?? '').split(',').map((name) => name.trim());
  const cells = (values ?? '').split(',').map((cell) => cell.trim());
  const rateColumn = columns.indexOf('nMsg.sec');
  if (rateColumn < 0) throw new Error(`unexpected consumer-perf-test output:\n${consumed}`);
  return {
    records,
    producerRecordsPerSecond: Math.round(numberAfter(summary, /([\d.]+) records\/sec/)),
    producerLatencyMs: {
      avg: numberAfter(summary, /([\d.]+) ms avg latency/),
      p99: numberAfter(summary, /([\d.]+) ms 99th/),
    },
    consumerRecordsPerSecond: Math.round(Number(cells[rateColumn])),
  };
};
