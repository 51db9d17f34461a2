/**
 * The one error type of the Kafka runtime. `retriable` errors may succeed when tried again
 * (broker unavailable, timeout); the others will not (an event that fails its own schema).
 *
 * For a publish, every code but one means it was not published, and never will be:
 * `publish_timeout` (not handed to the broker in time, and withdrawn), `publisher_overloaded`,
 * `publisher_closed`, `invalid_event`. `publish_outcome_unknown` (a `PublishOutcomeUnknownError`)
 * means the broker had it but did not acknowledge in time: it may still be written.
 * `state_behind`: a partition's state could not yet be read back as far as its group committed
 * (a transaction still open on the changelog hides it); the batch is tried again.
 */
export class KafkaRuntimeError extends Error {
  constructor(
    message: string,
    readonly code:
      | 'publish_timeout'
      | 'publish_outcome_unknown'
      | 'publisher_overloaded'
      | 'publisher_closed'
      | 'invalid_event'
      | 'state_behind',
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KafkaRuntimeError';
  }
}

/**
 * A publish handed to the broker and not acknowledged in time: it may have been written, or may
 * be yet (the idempotent producer keeps retrying it). `settled` says how it ended: true once the
 * broker acknowledged it after all, false if the producer gave up (it may still have been written
 * by an attempt whose answer was lost).
 */
export class PublishOutcomeUnknownError extends KafkaRuntimeError {
  constructor(
    message: string,
    readonly settled: Promise<boolean>,
    options?: { cause?: unknown },
  ) {
    super(message, 'publish_outcome_unknown', true, options);
    this.name = 'PublishOutcomeUnknownError';
  }
}

/**
 * True for an error that trying again cannot mend (a non-retriable `KafkaRuntimeError`, e.g. an
 * output that fails its own schema), however deep kafkajs wrapped it: its retrier hands on the
 * last failure as the `cause` of a `KafkaJSNumberOfRetriesExceeded`.
 */
export const isPermanentFailure = (error: unknown): boolean => {
  for (let current = error; current instanceof Error; current = current.cause) {
    if (current instanceof KafkaRuntimeError) return !current.retriable;
  }
  return false;
};
