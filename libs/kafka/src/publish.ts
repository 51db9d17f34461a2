import type { Message, Producer, TopicMessages } from 'kafkajs';
import type { Logger } from 'pino';
import { encode, type EventOf, type TopicContract } from '@taxi/events';
import { kafkajsOf, type KafkaClient } from './connect';
import { KafkaRuntimeError } from './errors';
import { withCreationContext } from './tracing';

declare const encoded: unique symbol;

/** An event ready to publish: validated and encoded against its contract (see `outgoing`). */
export interface Outgoing {
  readonly topic: string;
  readonly [encoded]: true;
}

interface EncodedOutgoing extends Outgoing {
  readonly message: Message;
}

/** The encoded message of an `Outgoing` (for this lib's own modules). */
export const messageOf = (output: Outgoing): Message => (output as EncodedOutgoing).message;

/** An `Outgoing` of a message encoded already (a dead letter: the original bytes, new headers). */
export const toOutgoing = (topic: string, message: Message): Outgoing =>
  ({ topic, message }) as EncodedOutgoing;

export interface PublisherOptions {
  readonly kafka: KafkaClient;
  readonly logger: Logger;
  /** A publish not acknowledged by all in-sync replicas within this time fails as retriable. */
  readonly timeoutMs?: number;
  /** Publishes waiting beyond this many messages are refused at once (back-pressure). */
  readonly maxQueuedMessages?: number;
}

export interface Publisher {
  /**
   * Resolves once every event is acknowledged by all in-sync replicas. Concurrent calls share
   * broker round trips: while one batch is in flight, the next one gathers.
   */
  publish<Contract extends TopicContract>(
    contract: Contract,
    events: readonly EventOf<Contract>[],
  ): Promise<void>;
  isConnected(): boolean;
  disconnect(): Promise<void>;
}

interface Pending {
  readonly topic: string;
  readonly messages: Message[];
  readonly settle: (error?: Error) => void;
  sent: boolean;
}

/** Encodes an event for its contract, refusing (never publishing) one that fails the schema. */
const encodeOne = <Contract extends TopicContract>(
  contract: Contract,
  event: EventOf<Contract>,
): Message => {
  const result = encode(contract, event);
  if (!result.ok) {
    throw new KafkaRuntimeError(
      `refusing to publish an invalid ${contract.name} event: ${result.error.reason}`,
      'invalid_event',
      false,
    );
  }
  const { key, value, headers } = result.value;
  return withCreationContext(contract.name, { key, value, headers }); // tracing: traceparent header
};

/**
 * An event to publish in a transaction (what `consume`'s `decide` returns), validated and encoded
 * now. `partition` pins the message (a changelog written to its source's partition number).
 */
export const outgoing = <Contract extends TopicContract>(
  contract: Contract,
  event: EventOf<Contract>,
  partition?: number,
): Outgoing => {
  const message = encodeOne(contract, event);
  if (partition !== undefined) message.partition = partition;
  return toOutgoing(contract.name, message);
};

/**
 * One produce request's messages per topic, in order. Appends in place: a batch gathers hundreds
 * of publishes (a transaction, hundreds of outputs), and copying a topic's list per item made
 * grouping quadratic in the batch size.
 */
export const groupByTopic = <Item>(
  items: readonly Item[],
  topicOf: (item: Item) => string,
  messagesOf: (item: Item) => readonly Message[],
): TopicMessages[] => {
  const byTopic = new Map<string, Message[]>();
  for (const item of items) {
    const topic = topicOf(item);
    const messages = byTopic.get(topic);
    if (messages) messages.push(...messagesOf(item));
    else byTopic.set(topic, [...messagesOf(item)]);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
};

/** An idempotent producer (acks from all in-sync replicas) with natural batching. */
export const createPublisher = async (options: PublisherOptions): Promise<Publisher> => {
  const { logger, timeoutMs = 5_000, maxQueuedMessages = 20_000 } = options;
  const producer: Producer = kafkajsOf(options.kafka).producer({
    idempotent: true,
    maxInFlightRequests: 1,
    // An idempotent producer must not give up, or ordering and de-duplication break; callers
    // still get an answer within `timeoutMs`.
    retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 5_000 },
  });
  let connected = false;
  let closed = false;
  producer.on(producer.events.CONNECT, () => (connected = true));
  producer.on(producer.events.DISCONNECT, () => (connected = false));
  await producer.connect();

  let queue: Pending[] = [];
  let queuedMessages = 0;
  let inFlight: Promise<void> | undefined;

  const flush = async (): Promise<void> => {
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      queuedMessages = 0;
      batch.forEach((pending) => (pending.sent = true));
      try {
        await producer.sendBatch({
          topicMessages: groupByTopic(
            batch,
            (pending) => pending.topic,
            (pending) => pending.messages,
          ),
          acks: -1,
        });
        connected = true;
        batch.forEach((pending) => pending.settle());
      } catch (error) {
        logger.warn({ err: error }, 'publish failed');
        const failure = new KafkaRuntimeError(
          'broker did not acknowledge the publish',
          'publish_timeout',
          true,
          {
            cause: error,
          },
        );
        batch.forEach((pending) => pending.settle(failure));
      }
    }
    inFlight = undefined;
  };

  const publish: Publisher['publish'] = (contract, events) => {
    if (closed) {
      return Promise.reject(new KafkaRuntimeError('publisher is closed', 'publisher_closed', true));
    }
    let messages: Message[];
    try {
      messages = events.map((event) => encodeOne(contract, event));
    } catch (error) {
      return Promise.reject(error);
    }
    if (queuedMessages + messages.length > maxQueuedMessages) {
      return Promise.reject(
        new KafkaRuntimeError(
          'too many publishes waiting for the broker',
          'publisher_overloaded',
          true,
        ),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        // Not yet handed to the broker: withdraw it so a caller told "failed" is never published.
        if (!pending.sent) {
          queue = queue.filter((other) => other !== pending);
          queuedMessages -= messages.length;
        }
        reject(
          new KafkaRuntimeError(
            `no acknowledgement within ${timeoutMs} ms`,
            'publish_timeout',
            true,
          ),
        );
      }, timeoutMs);
      const pending: Pending = {
        topic: contract.name,
        messages,
        sent: false,
        settle: (error) => {
          clearTimeout(timer);
          if (error) reject(error);
          else resolve();
        },
      };
      queue.push(pending);
      queuedMessages += messages.length;
      inFlight ??= flush();
    });
  };

  return {
    publish,
    isConnected: () => connected,
    disconnect: async () => {
      closed = true;
      await inFlight;
      await producer.disconnect();
    },
  };
};
