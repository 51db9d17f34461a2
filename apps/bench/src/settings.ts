/** What `npm run bench` measures, from environment variables (see docs/benchmarks.md). */
import { CONTRACT_PARTITIONS } from './partition-count';

export type BenchMode = 'dispatch' | 'ceiling' | 'kafka' | 'http';
export type EmailTarget = 'outbox' | 'smtp';

const MODES: readonly BenchMode[] = ['dispatch', 'ceiling', 'kafka', 'http'];

const positive = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replaceAll('_', ''));
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
};

const modes = (): BenchMode[] => {
  const raw = process.env['BENCH_MODE'] ?? MODES.join(',');
  const chosen = raw.split(',').map((mode) => mode.trim());
  const unknown = chosen.filter((mode) => !MODES.includes(mode as BenchMode));
  if (unknown.length > 0)
    throw new Error(`BENCH_MODE: unknown ${unknown.join(', ')} (choose from ${MODES.join(', ')})`);
  return chosen as BenchMode[];
};

const emailTarget = (): EmailTarget => {
  const raw = process.env['BENCH_EMAIL'] ?? 'outbox';
  if (raw !== 'outbox' && raw !== 'smtp')
    throw new Error(`BENCH_EMAIL must be outbox or smtp, got "${raw}"`);
  return raw;
};

const ratio = (name: string): number | undefined => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!(value > 0 && value <= 1)) throw new Error(`${name} must be in (0, 1], got "${raw}"`);
  return value;
};

export const benchSettings = () => ({
  modes: modes(),
  /** Kafka-side mode: rides written straight to ride_details. */
  rides: positive('BENCH_RIDES', 1_000_000),
  /**
   * Kafka-side mode as a city (city-demand.ts): the rides written at this many per second, spread
   * over the fleet's area, drivers busy for their trips. Unset: one trip, as fast as it goes.
   */
  cityRate: process.env['BENCH_CITY_RATE'] ? positive('BENCH_CITY_RATE', 1) : undefined,
  /** Kafka-side mode: where email goes. */
  email: emailTarget(),
  /** RSS is also recorded when this many rides are counted (issue: 100k and N). */
  rssCheckpoint: positive('BENCH_RSS_CHECKPOINT', 100_000),
  /** HTTP mode: seconds of full load, then seconds at the steady rate. */
  httpSeconds: positive('BENCH_SECONDS', 20),
  /** HTTP mode: seconds of full load first, unmeasured, so that nothing measured is compiling. */
  warmUpSeconds: positive('BENCH_WARMUP_SECONDS', 15),
  connections: positive('BENCH_CONNECTIONS', 64),
  steadyRate: positive('BENCH_STEADY_RATE', 1_000),
  /**
   * Kafka-side and HTTP modes: partitions of the ride topics. Default the contract's 6; another
   * count makes the topics first with it (drivers stay dealt over 6: partition-count.ts).
   */
  partitions: positive('BENCH_PARTITIONS', CONTRACT_PARTITIONS),
  /** Broker ceiling: records for kafka-producer-perf-test. */
  ceilingRecords: positive('BENCH_CEILING_RECORDS', 500_000),
  /** Give up waiting for the pipeline after this long. */
  timeoutMs: positive('BENCH_TIMEOUT_SECONDS', 3_600) * 1000,
  /** Set: every service runs under `node --cpu-prof` and the report lists its hottest functions. */
  cpuProfile: process.env['BENCH_CPU_PROFILE'] === '1',
  /** Set: the services trace this ratio of rides to a real collector (tracing overhead). */
  tracingRatio: ratio('BENCH_TRACING_RATIO'),
});

export type BenchSettings = ReturnType<typeof benchSettings>;
