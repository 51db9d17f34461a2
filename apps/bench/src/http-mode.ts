import autocannon from 'autocannon';
import { eventually } from '@taxi/testing';
import {
  getJson,
  rideRequest,
  SERVICE_NAMES,
  startStack,
  type Stack,
  type StackOptions,
  type Stats,
} from '@taxi/stack-harness';
import { cpuBudget, per1000Rides, readCpu } from './cpu-budget';
import { dispatchLatencyBetween, readDispatchLatencies } from './dispatch-latency';
import { dropTopics } from './drop-topics';
import { metricSum, processUsage } from './service-usage';
import type { BenchSettings } from './settings';

/** CPU seconds each service has used so far. */
const cpuSeconds = async (stack: Stack) =>
  Object.fromEntries(
    await Promise.all(
      SERVICE_NAMES.map(async (name) => {
        const pid = stack.services[name].pid;
        return [name, pid === undefined ? 0 : (await processUsage(pid)).cpuSeconds] as const;
      }),
    ),
  );

/** CPU seconds so far of every service, of the broker and of this process (autocannon's worker too). */
const readAllCpu = async (stack: Stack) => ({
  services: await cpuSeconds(stack),
  others: await readCpu(),
});

/**
 * Where the CPU went per 1,000 rides between two readings: each service, the broker, and this
 * process, which is mostly autocannon (it shares the cores with what it measures).
 */
const budgetBetween = (
  before: Awaited<ReturnType<typeof readAllCpu>>,
  after: Awaited<ReturnType<typeof readAllCpu>>,
  rides: number,
) =>
  cpuBudget(
    Object.fromEntries(
      Object.keys(after.services).map((name) => [
        name,
        per1000Rides((after.services[name] ?? 0) - (before.services[name] ?? 0), rides),
      ]),
    ),
    before.others,
    after.others,
    rides,
  );

/**
 * rides' event-loop delay since the last call, from its /metrics (prom-client's
 * monitorEventLoopDelay histogram starts again at every scrape): call once before a phase.
 */
const ridesLoopDelayMs = async (stack: Stack) => {
  const text = await fetch(`${stack.ridesUrl}/metrics`).then((response) => response.text());
  const ms = (name: string) => Math.round(metricSum(text, name) * 1000);
  return {
    p99: ms('nodejs_eventloop_lag_p99_seconds'),
    max: ms('nodejs_eventloop_lag_max_seconds'),
  };
};

// In a worker thread of its own: on the bench's main thread, the SMTP server taking every email
// and the parsing of every service's logs would delay the requests and the reading of answers,
// and that delay would count as the service's latency.
const post = (stack: Stack, options: { connections: number; seconds: number; rate?: number }) =>
  autocannon({
    workers: 1,
    url: `${stack.ridesUrl}/rides`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(rideRequest()),
    connections: options.connections,
    duration: options.seconds,
    ...(options.rate !== undefined && { overallRate: options.rate }),
  });

/** Resolves once analytics counted and the SMTP server received `rides` rides in all. */
const carried = async (stack: Stack, rides: number, timeoutMs: number) => {
  await eventually(
    () => getJson<Stats>(`${stack.analyticsUrl}/stats`),
    (stats) => stats.body.confirmed + stats.body.rejected >= rides,
    { timeoutMs, everyMs: 250 },
  );
  await eventually(
    async () => stack.smtp.count,
    (count) => count >= rides,
    { timeoutMs, everyMs: 250 },
  );
};

const latency = (result: autocannon.Result) => ({
  p50: result.latency.p50,
  p99: result.latency.p99,
  max: result.latency.max,
});

/**
 * HTTP mode: after an unmeasured BENCH_WARMUP_SECONDS of full load, carried to the end,
 * POST /rides as fast as autocannon can for BENCH_SECONDS, each accepted ride carried
 * to analytics and the SMTP server; then, once the pipeline is idle again, a steady
 * BENCH_STEADY_RATE rides/s for as long, for the latency a client sees at that rate.
 */
export const runHttp = async (
  settings: BenchSettings,
  env?: StackOptions['env'],
  topics: Pick<StackOptions, 'prefix'> = {},
) => {
  const stack = await startStack({ ...topics, countOnlySmtp: true, ...(env && { env }) });
  try {
    // Unmeasured: a broker and services that have just started compile their hot code under the
    // load. A broker started for this mode alone then cost 0.6-0.8 CPU s per 1,000 rides instead
    // of 0.12-0.15, and end to end halved.
    const warmUp = await post(stack, {
      connections: settings.connections,
      seconds: settings.warmUpSeconds,
    });
    const warmed = warmUp['2xx'];
    await carried(stack, warmed, settings.timeoutMs);

    const started = Date.now();
    const cpuAtStart = await readAllCpu(stack);
    const latenciesAtStart = await readDispatchLatencies(stack);
    await ridesLoopDelayMs(stack);
    const full = await post(stack, {
      connections: settings.connections,
      seconds: settings.httpSeconds,
    });
    const fullLoopDelay = await ridesLoopDelayMs(stack);
    const accepted = full['2xx'];
    await carried(stack, warmed + accepted, settings.timeoutMs);
    const endToEndSeconds = (Date.now() - started) / 1000;

    const cpuBefore = await readAllCpu(stack);
    const latenciesBefore = await readDispatchLatencies(stack);
    await ridesLoopDelayMs(stack);
    const steady = await post(stack, {
      connections: settings.connections,
      seconds: settings.httpSeconds,
      rate: settings.steadyRate,
    });
    const steadyLoopDelay = await ridesLoopDelayMs(stack);
    await carried(stack, warmed + accepted + steady['2xx'], settings.timeoutMs);
    const cpuAfter = await readAllCpu(stack);
    const latenciesAfter = await readDispatchLatencies(stack);
    const steadyPerSecond = steady['2xx'] / settings.httpSeconds;
    return {
      warmUp: { seconds: settings.warmUpSeconds, accepted: warmed },
      fullLoad: {
        connections: settings.connections,
        seconds: settings.httpSeconds,
        acceptedPerSecond: Math.round(accepted / settings.httpSeconds),
        latencyMs: latency(full),
        ridesEventLoopDelayMs: fullLoopDelay,
        accepted,
        non2xx: full.non2xx,
        errors: full.errors,
        endToEndRidesPerSecond: Math.round(accepted / endToEndSeconds),
        /** From the first request until the last ride was carried; batches are large here. */
        cpuBudget: budgetBetween(cpuAtStart, cpuBefore, accepted),
        /** How stale transaction's fleet view was, and how long forwards took (ADR 038). */
        dispatchLatency: dispatchLatencyBetween(latenciesAtStart, latenciesBefore),
      },
      steady: {
        targetPerSecond: settings.steadyRate,
        acceptedPerSecond: Math.round(steadyPerSecond),
        /**
         * autocannon sends a connection's next request only once the previous one is answered, so
         * when the service falls behind the target rate, the requests it could not take are never
         * sent and never timed: below 1, the latencies flatter the service.
         */
        achievedShareOfTarget: Number((steadyPerSecond / settings.steadyRate).toFixed(2)),
        latencyMs: latency(steady),
        ridesEventLoopDelayMs: steadyLoopDelay,
        non2xx: steady.non2xx,
        errors: steady.errors,
        /** Includes carrying each ride to the end; at this rate batches are small. */
        cpuBudget: budgetBetween(cpuBefore, cpuAfter, steady['2xx']),
        dispatchLatency: dispatchLatencyBetween(latenciesBefore, latenciesAfter),
      },
    };
  } finally {
    await stack.stop();
    await dropTopics(stack.brokers, stack.prefix);
  }
};
