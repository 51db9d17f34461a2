import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import pino from 'pino';
import { newEnvelope, topicsFor, type RideRequestedEvent } from '@taxi/events';
import { connect, createPublisher } from '@taxi/kafka';
import {
  rideRequest,
  type ServiceName,
  startStack,
  type Stack,
  type StackOptions,
  workspaceRoot,
} from '@taxi/stack-harness';
import type { BenchSettings } from './settings';
import { memoryFigures } from './memory-figures';
import { memoryLimitsOf, sampleStack, STAGE_NAMES, type Sample } from './service-usage';
import { nextBottleneck, stageFigures } from './stage-figures';
import { restartTimes } from './restart-times';
import { cpuBudget, readCpu } from './cpu-budget';
import { dropTopics } from './drop-topics';
import { dispatchLatencyBetween, readDispatchLatencies } from './dispatch-latency';
import { CITY_TRANSACTION_ENV, cityTrip, ridesDue } from './city-demand';

/**
 * Rides per publish, and publishes in flight: the publisher gathers what waits into one produce
 * request, so about (in flight − 1) × chunk rides per request. kafkajs groups a request's messages
 * per partition by copying the partition's list for every message (quadratic in the request), so
 * 8 × 1,000 (7,000 rides a request) spent more on that copying than 4 × 500 does on the extra
 * requests; 4 × 500 still writes several times faster than the pipeline decides.
 */
const CHUNK = 500;
const CHUNKS_IN_FLIGHT = 4;
const SAMPLE_EVERY_MS = 1_000;

/**
 * Ride `n`: in the fleet's area (one trip, or with `city` each its own), every 10th card declined
 * (as the HTTP load does).
 */
const rideEvent = (n: number, now: Date, city: boolean): RideRequestedEvent => {
  const body = rideRequest({
    customerId: `bench-${n % 997}`,
    customerEmail: `rider${n}@example.com`,
    paymentToken: n % 10 === 9 ? 'tok_chargeDeclined' : 'tok_visa',
    ...(city && cityTrip(n)),
  });
  return {
    ...newEnvelope('ride.requested', `bench-${n}`, now),
    payload: { ...body, rideId: randomUUID(), requestedAt: now.toISOString() },
  };
};

/**
 * Writes `rides` valid ride requests to ride_details the way the rides service does (the shared
 * idempotent publisher: schema-checked, acks from all replicas), with a few chunks in flight.
 */
const writeRides = async (
  stack: Stack,
  rides: number,
  cityRate: number | undefined,
): Promise<{ seconds: number }> => {
  const logger = pino({ level: 'error' });
  const kafka = connect({ brokers: stack.brokers.split(','), clientId: 'bench' }, logger);
  const publisher = await createPublisher({ kafka, logger, timeoutMs: 60_000 });
  const topic = topicsFor(stack.prefix).rideRequested;
  const started = Date.now();
  try {
    if (cityRate !== undefined) {
      // A steady rate: each tick writes the rides due by then (one chunk at 5-10 a second).
      for (let next = 0; next < rides; await delay(50)) {
        const due = ridesDue(Date.now() - started, cityRate, rides);
        const now = new Date();
        const events: RideRequestedEvent[] = [];
        for (; next < due; next += 1) events.push(rideEvent(next, now, true));
        if (events.length > 0) await publisher.publish(topic, events);
      }
      return { seconds: (Date.now() - started) / 1000 };
    }
    let next = 0;
    const worker = async () => {
      while (next < rides) {
        const from = next;
        next = Math.min(rides, next + CHUNK);
        const now = new Date();
        const events: RideRequestedEvent[] = [];
        for (let n = from; n < next; n += 1) events.push(rideEvent(n, now, false));
        await publisher.publish(topic, events);
      }
    };
    await Promise.all(Array.from({ length: CHUNKS_IN_FLIGHT }, worker));
  } finally {
    await publisher.disconnect();
  }
  return { seconds: (Date.now() - started) / 1000 };
};

const rssOf = (sample: Sample | undefined) =>
  sample
    ? Object.fromEntries(
        Object.entries(sample.usage).map(([service, usage]) => [service, usage.rssMb]),
      )
    : null;

/**
 * Kafka-side mode: N rides straight to ride_details, then samples every service once a second
 * until each ride is decided, emailed and counted (and seen by the rides read model); then
 * restarts rides, email and transaction one at a time on that history.
 */
export const runKafkaSide = async (
  settings: BenchSettings,
  env?: StackOptions['env'],
  topics: Pick<StackOptions, 'prefix'> = {},
) => {
  const outboxDir = path.join(workspaceRoot, `tmp/bench-outbox-${process.pid}`);
  const city = settings.cityRate !== undefined;
  const serviceEnv = city
    ? { ...env, transaction: { ...env?.transaction, ...CITY_TRANSACTION_ENV } }
    : env;
  const stack = await startStack({
    ...topics,
    ...(settings.email === 'outbox' ? { outboxDir } : { countOnlySmtp: true }),
    ...(serviceEnv && { env: serviceEnv }),
  });
  try {
    const { rides } = settings;
    const startedAt = Date.now();
    const firstSample = await sampleStack(stack, startedAt);
    if (!firstSample) throw new Error('the services do not answer on /metrics');
    const samples: Sample[] = [firstSample];
    const cpuBefore = await readCpu();
    // As a city, the latencies leave out the first BENCH_WARMUP_SECONDS: each partition number's
    // first transaction fences and restores it, and a forward to it waits for that (a hop of
    // 500+ ms, 1 % of the hops in a 100 s run).
    const latenciesBefore = city
      ? delay(settings.warmUpSeconds * 1000).then(() => readDispatchLatencies(stack))
      : readDispatchLatencies(stack);
    latenciesBefore.catch(() => undefined); // awaited below
    const writing = writeRides(stack, rides, settings.cityRate);
    // Awaited after the wait below; a failure must end the wait (and stop the stack) at once.
    let writeFailure: unknown;
    writing.catch((error: unknown) => (writeFailure = error));
    let checkpoint: Sample | undefined;
    const deadline = startedAt + settings.timeoutMs;
    for (;;) {
      await delay(SAMPLE_EVERY_MS);
      if (writeFailure !== undefined) throw writeFailure;
      if (Date.now() > deadline)
        throw new Error(
          `not done after ${settings.timeoutMs} ms: ${JSON.stringify(samples.at(-1))}`,
        );
      const sample = await sampleStack(stack, startedAt);
      if (!sample) continue;
      samples.push(sample);
      if (!checkpoint && sample.counts.counted >= settings.rssCheckpoint) checkpoint = sample;
      if (STAGE_NAMES.every((stage) => sample.counts[stage] >= rides)) break;
    }
    const cpuAfter = await readCpu();
    const latenciesAfter = await readDispatchLatencies(stack);
    const written = await writing;
    const figures = stageFigures(samples, rides);
    const endToEnd = Math.max(
      figures.decided.doneAfterSeconds ?? 0,
      figures.emailed.doneAfterSeconds ?? 0,
      figures.counted.doneAfterSeconds ?? 0,
    );
    const smtpReceived = settings.email === 'smtp' ? stack.smtp.count : undefined;
    // Read before the restarts: a restarted service's start-up lines are its new process's.
    const limits = memoryLimitsOf(stack);
    const restarts = await restartTimes(stack, ['rides', 'email', 'transaction'] as ServiceName[]);
    return {
      rides,
      ...(city && { cityRidesPerSecond: settings.cityRate }),
      email: settings.email,
      ...(smtpReceived !== undefined && { smtpReceived }),
      writtenPerSecond: Math.round(rides / written.seconds),
      endToEndSeconds: endToEnd,
      endToEndRidesPerSecond: Math.round(rides / endToEnd),
      stages: figures,
      nextBottleneck: nextBottleneck(figures),
      /** How stale transaction's fleet view was, and how long forwards took (ADR 038). */
      dispatchLatency: dispatchLatencyBetween(await latenciesBefore, latenciesAfter),
      cpuBudget: cpuBudget(
        Object.fromEntries(
          Object.values(figures).map((stage) => [stage.service, stage.cpuSecondsPer1000Rides]),
        ),
        cpuBefore,
        cpuAfter,
        rides,
      ),
      rssMb: {
        [`at${settings.rssCheckpoint}`]: rssOf(checkpoint),
        [`at${rides}`]: rssOf(samples[samples.length - 1]),
      },
      memoryLimits: limits,
      memory: memoryFigures(
        samples,
        checkpoint,
        Object.fromEntries(
          Object.entries(limits).map(([service, limit]) => [service, limit?.limitMb ?? null]),
        ),
      ),
      restartToReadySeconds: restarts,
    };
  } finally {
    await stack.stop();
    await dropTopics(stack.brokers, stack.prefix);
    await rm(outboxDir, { recursive: true, force: true });
  }
};
