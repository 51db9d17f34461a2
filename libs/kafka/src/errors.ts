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
