// `npm run bench`: what this machine's broker, and the pipeline on it, can do. Everything runs
// here (broker, four services, SMTP server, load) and shares the cores. Prints a JSON report,
// also written to tmp/bench-<time>.json; asserts nothing. Modes and knobs: docs/benchmarks.md.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { connect, ensureTopics } from '@taxi/kafka';
import { workspaceRoot } from '@taxi/stack-harness';
import { measureBrokerCeiling } from './broker-ceiling';
import { measureDispatchQuality } from './dispatch-quality';
import { dropTopics } from './drop-topics';
import { kafkajsPer1000Rides, profilesIn, summariseProfiles } from './cpu-profile';
import { runHttp } from './http-mode';
import { runKafkaSide } from './kafka-side';
import { stackWithPartitions } from './partition-count';
import { benchSettings } from './settings';
import { withTracing } from './tracing';

const machine = () => ({
  cores: os.cpus().length,
  cpu: os.cpus()[0]?.model ?? 'unknown',
  memoryGb: Math.round(os.totalmem() / 2 ** 30),
  /** Load averages (1, 5, 15 min) at the start: anything else busy skews every figure. */
  loadAverageAtStart: os.loadavg().map((load) => Number(load.toFixed(2))),
});

/** The cluster the run measured: with-kafka.sh sets these for a local cluster (KAFKA_NODES=3). */
const cluster = () => ({
  nodes: process.env['KAFKA_BROKERS']?.split(',').length ?? 0,
  replicationFactor: Number(process.env['KAFKA_REPLICATION_FACTOR'] ?? 1),
  minInSyncReplicas: Number(process.env['KAFKA_MIN_INSYNC_REPLICAS'] ?? 1),
});

const ceiling = async (brokers: string, records: number) => {
  const topic = `bench-ceiling-${Date.now()}`;
  const kafka = connect(
    { brokers: brokers.split(','), clientId: 'bench' },
    pino({ level: 'error' }),
  );
  // As many partitions and replicas as ride_details, so the comparison is like for like.
  const { replicationFactor, minInSyncReplicas } = cluster();
  await ensureTopics(
    kafka,
    [{ name: topic, partitions: 6, config: {} }],
    { replicationFactor, minInSyncReplicas },
    pino({ level: 'error' }),
  );
  try {
    return await measureBrokerCeiling(brokers, topic, records);
  } finally {
    await dropTopics(brokers, topic);
  }
};

const main = async () => {
  const settings = benchSettings();
  const brokers = process.env['KAFKA_BROKERS'] ?? '';
  if (!brokers && settings.modes.some((mode) => mode !== 'dispatch'))
    throw new Error('KAFKA_BROKERS is not set: run through `npm run bench`');
  const stamp = new Date().toISOString().replaceAll(':', '-');
  const profileDir = path.join(workspaceRoot, 'tmp', `bench-profile-${stamp}`);
  /** With BENCH_CPU_PROFILE=1, the services a mode starts write profiles to <profileDir>/<mode>. */
  const profileInto = (mode: string) => {
    if (settings.cpuProfile)
      process.env['E2E_NODE_ARGS'] = `--cpu-prof --cpu-prof-dir=${profileDir}/${mode}/{name}`;
  };

  /** A fresh prefix's topics with BENCH_PARTITIONS partitions, made before each mode's stack. */
  const topicsOfAMode = () => {
    const { replicationFactor, minInSyncReplicas } = cluster();
    return stackWithPartitions(brokers, settings.partitions, {
      replicationFactor,
      minInSyncReplicas,
    });
  };

  const report: Record<string, unknown> = {
    at: new Date().toISOString(),
    machine: machine(),
    kafka: { ...cluster(), ridePartitions: settings.partitions },
  };
  // First, while nothing else runs: a simulation, no broker (ADR 038).
  if (settings.modes.includes('dispatch'))
    report['dispatchQuality'] = await measureDispatchQuality();
  if (settings.modes.includes('ceiling'))
    report['brokerCeiling'] = await ceiling(brokers, settings.ceilingRecords);
  if (settings.modes.includes('kafka')) {
    profileInto('kafka');
    const topics = await topicsOfAMode();
    const kafkaSide = await withTracing(settings, (env) => runKafkaSide(settings, env, topics));
    report['kafkaSide'] = {
      ...kafkaSide,
      ...(settings.cpuProfile && {
        kafkajsCpu: await kafkajsPer1000Rides(
          path.join(profileDir, 'kafka'),
          Object.fromEntries(
            Object.values(kafkaSide.stages).map((stage) => [
              stage.service,
              stage.cpuSecondsPer1000Rides,
            ]),
          ),
        ),
      }),
    };
  }
  if (settings.modes.includes('http')) {
    profileInto('http');
    const topics = await topicsOfAMode();
    report['http'] = await withTracing(settings, (env) => runHttp(settings, env, topics));
  }
  if (settings.cpuProfile && existsSync(profileDir)) {
    const summaries: Record<string, Record<string, unknown>> = {};
    for (const mode of readdirSync(profileDir))
      for (const service of readdirSync(path.join(profileDir, mode)))
        (summaries[mode] ??= {})[service] = await summariseProfiles(
          await profilesIn(path.join(profileDir, mode, service)),
        );
    report['cpuProfiles'] = summaries;
  }

  const file = path.join(workspaceRoot, 'tmp', `bench-${stamp}.json`);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(report, null, 2));
  process.stdout.write(`${JSON.stringify(report, null, 2)}\nreport: ${file}\n`);
};

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
