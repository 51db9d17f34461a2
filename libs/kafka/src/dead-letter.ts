import type { IHeaders, KafkaMessage, Message, Producer } from 'kafkajs';
import type { Logger } from 'pino';

export interface DeadLetterSource {
  readonly topic: string;
  readonly partition: number;
  readonly message: KafkaMessage;
}

export interface DeadLetterReason {
  /** Short machine-readable kind: `malformed_json`, `invalid`, `processing_failed`, ... */
  readonly kind: string;
  /** One human-readable line. */
  readonly reason: string;
  readonly service: string;
  readonly attempts?: number;
}

/** Header names on every dead-lettered message; the re-drive tool reads them back. */
export const DLQ_HEADERS = {
  reason: 'dlq-reason',
  kind: 'dlq-error-kind',
  sourceTopic: 'dlq-source-topic',
  sourcePartition: 'dlq-source-partition',
  sourceOffset: 'dlq-source-offset',
  service: 'dlq-service',
  failedAt: 'dlq-failed-at',
  attempts: 'dlq-attempts',
} as const;

/**
 * Set by the re-drive on a message it sends back: only the service that dead-lettered it processes
 * it again; the topic's other consumers, which handled it the first time, pass it by.
 */
export const REDRIVEN_FOR_HEADER = 'redriven-for';

export const isRedrivenForAnotherService = (message: KafkaMessage, service: string): boolean => {
  const target = headerText(message.headers, REDRIVEN_FOR_HEADER);
  return target !== undefined && target !== service;
};

export const errorText = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/** The reason a message that kept failing is dead-lettered with. */
export const failedAfter = (
  service: string,
  attempts: number,
  error: unknown,
): DeadLetterReason => ({ kind: 'processing_failed', reason: errorText(error), service, attempts });

const MAX_REASON_LENGTH = 1_000;

/** The original key, bytes and headers, plus headers saying why, from where, by whom and when. */
export const deadLetterMessage = (
  source: DeadLetterSource,
  why: DeadLetterReason,
  now: Date = new Date(),
): Message => {
  const headers: IHeaders = {
    ...source.message.headers,
    [DLQ_HEADERS.reason]: why.reason.slice(0, MAX_REASON_LENGTH),
    [DLQ_HEADERS.kind]: why.kind,
    [DLQ_HEADERS.sourceTopic]: source.topic,
    [DLQ_HEADERS.sourcePartition]: String(source.partition),
    [DLQ_HEADERS.sourceOffset]: source.message.offset,
    [DLQ_HEADERS.service]: why.service,
    [DLQ_HEADERS.failedAt]: now.toISOString(),
    [DLQ_HEADERS.attempts]: String(why.attempts ?? 0),
  };
  return { key: source.message.key, value: source.message.value, headers };
};

export const headerText = (headers: IHeaders | undefined, name: string): string | undefined => {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
};

/** Sends one message to its dead-letter topic (`<topic>.dlq` unless the contract names another). */
export const sendToDeadLetter = async (
  producer: Producer,
  source: DeadLetterSource & { readonly deadLetterTopic: string | undefined },
  why: DeadLetterReason,
  logger: Logger,
): Promise<void> => {
  const target = source.deadLetterTopic ?? `${source.topic}.dlq`;
  await producer.send({ topic: target, acks: -1, messages: [deadLetterMessage(source, why)] });
  logger.warn(
    {
      source: `${source.topic}/${source.partition}@${source.message.offset}`,
      kind: why.kind,
      reason: why.reason,
      deadLetterTopic: target,
    },
    'message dead-lettered',
  );
};
