/**
 * The one error type of the Kafka runtime. `retriable` errors may succeed when tried again
 * (broker unavailable, timeout); the others will not (an event that fails its own schema).
 */
export class KafkaRuntimeError extends Error {
  constructor(
    message: string,
    readonly code:
      'publish_timeout' | 'publisher_overloaded' | 'publisher_closed' | 'invalid_event',
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KafkaRuntimeError';
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
