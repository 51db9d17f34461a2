import { setTimeout as delay } from 'node:timers/promises';
import type { Message, Producer, TopicMessages } from 'kafkajs';
import type { Logger } from 'pino';
import { encode, type EventOf, type TopicContract } from '@taxi/events';
import { kafkajsOf, type KafkaClient } from './connect';
import { KafkaRuntimeError, PublishOutcomeUnknownError } from './errors';
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
  /**
   * A publish not acknowledged by all in-sync replicas within this time fails as retriable: with
   * `publish_timeout` if it was still waiting its turn (it is withdrawn: never published), with
   * a `PublishOutcomeUnknownError` if the broker had it (it may still be written).
   */
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
    /**
     * `partition` pins every event to that partition number instead of its key's: a ledger written
     * to the partition number of what it records, whatever the topic's count is by then.
     */
    options?: { readonly partition?: number },
  ): Promise<void>;
  /**
   * Connected, and the broker acknowledges: false while a batch has waited longer than the
   * publish timeout (a partition without a leader, or with too few in-sync replicas).
   */
  isReady(): boolean;
  disconnect(): Promise<void>;
}

interface Pending {
  readonly topic: string;
  readonly messages: Message[];
  /** Called once, when the broker acknowledged the batch (no error) or the producer gave up. */
  readonly settle: (error?: Error) => void;
  /** Handed to the broker: from then on it cannot be withdrawn. */
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

/**
 * The most bytes one send of a transaction carries. Kafka refuses a partition's record batch above
 * its `max.message.bytes` (1 MiB by default), and kafkajs puts all of one send's messages for a
 * partition in one batch: a transaction that writes more than that to one partition (a partition
 * of transaction handing 2,267 drivers to its heir after a growth writes 1.06 MB to one partition
 * of `dispatch`) must send it in parts. A transaction may send any number of times before it
 * commits, and the parts commit or abort together.
 */
export const SEND_BYTES = 512 * 1024;

const bytesOf = (message: Message): number => {
  const length = (value: unknown) =>
    value === null || value === undefined
      ? 0
      : Buffer.isBuffer(value)
        ? value.length
        : Buffer.byteLength(String(value));
  let bytes = length(message.key) + length(message.value);
  for (const [name, value] of Object.entries(message.headers ?? {}))
    bytes += name.length + length(value);
  return bytes;
};

/**
 * Splits outputs, in order, into parts of at most `maxBytes` of keys, values and headers each (an
 * output larger than that is a part of its own): each part is one send, and a partition's
 * messages keep their order across parts.
 */
export const inParts = <Item>(
  items: readonly Item[],
  messageOf: (item: Item) => Message,
  maxBytes: number = SEND_BYTES,
): Item[][] => {
  const parts: Item[][] = [];
  let part: Item[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = bytesOf(messageOf(item));
    if (part.length > 0 && bytes + size > maxBytes) {
      parts.push(part);
      part = [];
      bytes = 0;
    }
    part.push(item);
    bytes += size;
  }
  if (part.length > 0) parts.push(part);
  return parts;
};

/** An idempotent producer (acks from all in-sync replicas) with natural batching. */
export const createPublisher = async (options: PublisherOptions): Promise<Publisher> => {
  const { logger, timeoutMs = 5_000, maxQueuedMessages = 20_000 } = options;
  const kafka = kafkajsOf(options.kafka);
  let connected = false;
  let closed = false;
  /** When the batch in flight was handed to the broker; undefined while none is. */
  let sentAt: number | undefined;
  const connectProducer = async (): Promise<Producer> => {
    const created = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      // An idempotent producer must not give up, or ordering and de-duplication break; callers
      // still get an answer within `timeoutMs`. Retried at least once a second: a new leader is
      // written to within a second of being elected, not up to 5 s later (ADR 037).
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: 1_000 },
    });
    created.on(created.events.CONNECT, () => (connected = true));
    created.on(created.events.DISCONNECT, () => (connected = false));
    await created.connect();
    return created;
  };
  let producer = await connectProducer();
  /** A new producer for an old one, tried until one connects. */
  const replaceProducer = async (old: Producer): Promise<Producer> => {
    await old.disconnect().catch(() => undefined);
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await connectProducer();
      } catch (error) {
        logger.warn({ err: error, attempt }, 'new producer could not connect; trying again');
        await delay(Math.min(5_000, 500 * attempt));
      }
    }
  };

  let queue: Pending[] = [];
  let queuedMessages = 0;
  let inFlight: Promise<void> | undefined;

  const flush = async (): Promise<void> => {
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      queuedMessages = 0;
      batch.forEach((pending) => (pending.sent = true));
      sentAt = Date.now();
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
        // The producer gave up (a non-retriable error): an earlier attempt of this batch may have
        // been written all the same, its answer lost. Its sequence numbers may no longer be the
        // broker's (OUT_OF_ORDER_SEQUENCE_NUMBER on every later send: kafkajs cannot recover,
        // tulios/kafkajs#598), so the next batch goes out with a new producer id.
        logger.warn({ err: error }, 'publish failed; starting a new producer');
        batch.forEach((pending) => pending.settle(error as Error));
        producer = await replaceProducer(producer);
      }
      sentAt = undefined;
    }
    inFlight = undefined;
  };

  const publish: Publisher['publish'] = (contract, events, options) => {
    if (closed) {
      return Promise.reject(new KafkaRuntimeError('publisher is closed', 'publisher_closed', true));
    }
    let messages: Message[];
    try {
      messages = events.map((event) => encodeOne(contract, event));
      const partition = options?.partition;
      if (partition !== undefined) for (const message of messages) message.partition = partition;
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
      // Set once the caller was told the outcome is unknown: how the batch ended, told later.
      let tellLater: ((acknowledged: boolean) => void) | undefined;
      const timer = setTimeout(() => {
        if (pending.sent) {
          const settled = new Promise<boolean>((resolveLater) => (tellLater = resolveLater));
          reject(
            new PublishOutcomeUnknownError(
              `handed to the broker, not acknowledged within ${timeoutMs} ms`,
              settled,
            ),
          );
          return;
        }
        // Not yet handed to the broker: withdrawn, so a caller told "failed" is never published.
        queue = queue.filter((other) => other !== pending);
        queuedMessages -= messages.length;
        reject(
          new KafkaRuntimeError(
            `not handed to the broker within ${timeoutMs} ms; withdrawn`,
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
          if (tellLater) return tellLater(error === undefined);
          if (error === undefined) return resolve();
          reject(
            new PublishOutcomeUnknownError(
              'the producer gave up on the publish',
              Promise.resolve(false),
              { cause: error },
            ),
          );
        },
      };
      queue.push(pending);
      queuedMessages += messages.length;
      inFlight ??= flush();
    });
  };

  return {
    publish,
    isReady: () => connected && (sentAt === undefined || Date.now() - sentAt < timeoutMs),
    disconnect: async () => {
      closed = true;
      await inFlight;
      await producer.disconnect();
    },
  };
};
