import { isPermanentFailure, KafkaRuntimeError } from './errors';
import { isKafkaFailure } from './member';

const invalidEvent = () =>
  new KafkaRuntimeError('refusing to publish an invalid event', 'invalid_event', false);

/** How kafkajs hands on the last failure of a retried call. */
const wrappedByKafkajs = (cause: Error) => {
  const error = new Error(cause.message, { cause });
  error.name = 'KafkaJSNonRetriableError';
  return error;
};

describe('isPermanentFailure and isKafkaFailure', () => {
  it('when an event fails its schema, then it is permanent and not a Kafka failure, even wrapped by kafkajs', () => {
    for (const error of [invalidEvent(), wrappedByKafkajs(invalidEvent())]) {
      expect(isPermanentFailure(error)).toBe(true);
      expect(isKafkaFailure(error)).toBe(false);
    }
  });

  it('when the broker does not answer, then it is a Kafka failure worth trying again', () => {
    const timeout = new KafkaRuntimeError('no acknowledgement', 'publish_timeout', true);
    const connection = new Error('Connection error');
    connection.name = 'KafkaJSConnectionError';

    for (const error of [timeout, connection, wrappedByKafkajs(connection)]) {
      expect(isPermanentFailure(error)).toBe(false);
      expect(isKafkaFailure(error)).toBe(true);
    }
  });

  it('when a plain error is thrown, then it is neither permanent nor a Kafka failure', () => {
    const bug = new TypeError('x is undefined');

    expect(isPermanentFailure(bug)).toBe(false);
    expect(isKafkaFailure(bug)).toBe(false);
  });
});
