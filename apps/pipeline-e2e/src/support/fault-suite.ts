import type { KafkaClient } from '@taxi/kafka';
import { testKafka } from '@taxi/kafka/testing';
import { uniqueName } from '@taxi/testing';
import { Outcomes, startStack, type Stack, type StackOptions } from '@taxi/stack-harness';

export interface FaultSuite {
  readonly stack: Stack;
  readonly kafka: KafkaClient;
  readonly outcomes: Outcomes;
}

/** Fault tests wait for failover and settle thousands of rides: minutes, not seconds. */
export const FAULT_TEST_TIMEOUT_MS = 15 * 60_000;

/** Only a failover after a crash waits for this: 6 s instead of Kafka's usual 30 s. */
export const fastFailover = { KAFKA_SESSION_TIMEOUT_MS: '6000' };

const EMAIL_BATCH_SIZE = 100;
const EMAIL_PARTITIONS_AT_ONCE = 6;

/** Email's batches, set here so that the bound below follows them. */
export const emailBatches = {
  EMAIL_BATCH_SIZE: String(EMAIL_BATCH_SIZE),
  PARTITIONS_CONSUMED_CONCURRENTLY: String(EMAIL_PARTITIONS_AT_ONCE),
};

/**
 * The one window no ledger can close: the mail server said 250, then email died before the
 * batch's ledger write. A SIGKILL resends at most what the server accepted of the batches in
 * flight (one per partition being worked), each with the same Message-ID.
 */
export const EMAILS_IN_FLIGHT = EMAIL_BATCH_SIZE * EMAIL_PARTITIONS_AT_ONCE;

/**
 * Registers a stack for the enclosing `describe`: started before its tests (after `prepare`, which
 * may start a broker of its own and say how to start the stack), stopped after them, with a
 * consumer following every outcome and dead-letter topic.
 */
export const faultSuite = (
  prepare: () => Promise<StackOptions> | StackOptions = () => ({}),
): FaultSuite => {
  const suite = {} as { stack: Stack; kafka: KafkaClient; outcomes: Outcomes };
  beforeAll(async () => {
    const options = await prepare();
    suite.stack = await startStack(options);
    suite.kafka = testKafka(uniqueName('faults'), suite.stack.brokers.split(','));
    suite.outcomes = await Outcomes.follow(suite.kafka, suite.stack.prefix);
  }, FAULT_TEST_TIMEOUT_MS);
  afterAll(async () => {
    await suite.outcomes?.stop();
    await suite.stack?.stop();
  });
  return suite;
};
