import { decode, topicsFor } from '@taxi/events';
import { describeTopics, type KafkaClient } from '@taxi/kafka';
import { collect } from '@taxi/kafka/testing';
import {
  longestGapSeconds,
  sendRides,
  type LoadOptions,
  type LoadReport,
  type Outcomes,
  type Stack,
} from '@taxi/stack-harness';

/** A steady stream of rides for a cluster fault, and a way to wait on its progress. */
export const steadyLoad = (
  stack: Stack,
  options: Omit<LoadOptions, 'onAccepted' | 'concurrency'> & {
    readonly onAccepted?: (acceptedSoFar: number) => void;
  },
) => {
  let accepted = 0;
  let waiters: { count: number; resolve: () => void }[] = [];
  const report = sendRides(() => stack.ridesUrl, {
    ...options,
    // Room for every ride of the seconds a failover takes to be waiting for its answer.
    concurrency: 256,
    onAccepted: (acceptedSoFar) => {
      accepted = acceptedSoFar;
      const ready = waiters.filter((waiter) => waiter.count <= accepted);
      waiters = waiters.filter((waiter) => waiter.count > accepted);
      ready.forEach((waiter) => waiter.resolve());
      options.onAccepted?.(acceptedSoFar);
    },
  });
  return {
    report,
    /** Resolves once `more` rides beyond those accepted so far got their 202. */
    acceptedMore: (more: number): Promise<void> =>
      new Promise((resolve) => waiters.push({ count: accepted + more, resolve })),
  };
};

export type SteadyLoad = ReturnType<typeof steadyLoad>;

/**
 * Runs `fault` under a steady stream of rides: it begins once `startAfter` rides were accepted,
 * and the stream goes on (at least `count` rides) until the fault is over, so the stream sees
 * both the fault and the recovery whatever either takes.
 */
export const underLoad = async <Result>(
  stack: Stack,
  options: Omit<LoadOptions, 'onAccepted' | 'concurrency' | 'until'> & {
    readonly startAfter: number;
  },
  fault: (load: SteadyLoad) => Promise<Result>,
): Promise<{ report: LoadReport; result: Result }> => {
  const startedAt = Date.now();
  let begin: () => void = () => undefined;
  const begun = new Promise<void>((resolve) => (begin = resolve));
  // Called only once rides were accepted, so `load` is set by then.
  const over = begun.then(() => fault(load));
  const load = steadyLoad(stack, {
    ...options,
    until: over,
    onAccepted: (n) => {
      if (n === options.startAfter) begin();
    },
  });
  const report = await load.report;
  const result = await over;
  const seconds = (Date.now() - startedAt) / 1000;
  process.stdout.write(
    `fault and stream: ${seconds.toFixed(0)} s, ${report.accepted.length} rides\n`,
  );
  return { report, result };
};

/** The seconds a fault cost, from when it began: without a 202, and without a decision. */
export const gaps = (
  load: LoadReport,
  outcomes: Outcomes,
  faultAt: number,
): { secondsWithout202: number; secondsWithoutDecision: number } => {
  const end = Date.now();
  // From the last event before the fault: a gap that began with it counts whole.
  const before = (times: readonly number[]) =>
    Math.max(...times.filter((time) => time <= faultAt), faultAt - 60_000);
  const decided = outcomes.decidedAt(load.accepted);
  return {
    secondsWithout202: longestGapSeconds(load.acceptedAt, before(load.acceptedAt), end),
    secondsWithoutDecision: longestGapSeconds(decided, before(decided), end),
  };
};

/** Every ride request on `ride_details`, read to its end: the customer of each. */
export const requestedCustomers = async (kafka: KafkaClient, prefix: string): Promise<string[]> => {
  const contract = topicsFor(prefix).rideRequested;
  const [topic] = await describeTopics(kafka, [contract.name]);
  const total = (topic?.partitions ?? []).reduce(
    (sum, p) => sum + Number(p.end) - Number(p.start),
    0,
  );
  const collector = await collect(kafka, [contract.name]);
  try {
    await collector.waitFor(total, 120_000);
    return collector.records.flatMap(({ value }) => {
      const decoded = decode(contract, value);
      return decoded.ok ? [decoded.value.payload.customerId] : [];
    });
  } finally {
    await collector.stop();
  }
};
