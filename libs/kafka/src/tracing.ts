import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type TextMapGetter,
  type Tracer,
} from '@opentelemetry/api';
import type { IHeaders, KafkaMessage, Message } from 'kafkajs';

/**
 * Trace context across Kafka, after the OpenTelemetry messaging conventions (ADR 016): a "create"
 * span per outgoing message whose context travels in its headers as W3C `traceparent`; a
 * "process" span per consumed message, a child of that context (and linked to it); a "commit"
 * span per Kafka transaction, linked to every message it consumed.
 *
 * Off until `enableMessageTracing()` is called (the service-kit does when the OTEL_* variables ask
 * for traces): then every function here returns at its first line, with no span, header or
 * context object made, so the hot path pays one comparison per message.
 */
let tracer: Tracer | undefined;

export const enableMessageTracing = (): void => {
  tracer = trace.getTracer('@taxi/kafka');
};

export const disableMessageTracing = (): void => {
  tracer = undefined;
};

export const isMessageTracingEnabled = (): boolean => tracer !== undefined;

// Messaging attributes are still "development" in the semantic conventions; the package advises
// copying such names rather than importing them from its unstable entry point.
const ATTR = {
  system: 'messaging.system',
  destination: 'messaging.destination.name',
  partition: 'messaging.destination.partition.id',
  operationName: 'messaging.operation.name',
  operationType: 'messaging.operation.type',
  consumerGroup: 'messaging.consumer.group.name',
  offset: 'messaging.kafka.offset',
  key: 'messaging.kafka.message.key',
  batchCount: 'messaging.batch.message_count',
  errorType: 'error.type',
} as const;

const headerGetter: TextMapGetter<IHeaders | undefined> = {
  keys: (headers) => Object.keys(headers ?? {}),
  get: (headers, key) => {
    const value = headers?.[key];
    if (value === undefined) return undefined;
    return Array.isArray(value) ? value.map(String) : value.toString();
  },
};

/** The context the producer put in a message's headers (the root context if there is none). */
export const creationContext = (message: Pick<KafkaMessage, 'headers'>): Context =>
  propagation.extract(ROOT_CONTEXT, message.headers, headerGetter);

/**
 * Gives an outgoing message its creation context: a PRODUCER "create" span, a child of the active
 * span (the HTTP request, or the processing of the message that caused this one), injected into
 * the headers. Messages published outside any trace (state snapshots, window summaries) start no
 * trace of their own. Returns the message itself; without tracing, untouched.
 */
export const withCreationContext = (topic: string, message: Message): Message => {
  if (!tracer) return message;
  const active = context.active();
  if (!trace.getSpan(active)) return message;
  const span = tracer.startSpan(`create ${topic}`, {
    kind: SpanKind.PRODUCER,
    attributes: {
      [ATTR.system]: 'kafka',
      [ATTR.destination]: topic,
      [ATTR.operationName]: 'create',
      [ATTR.operationType]: 'create',
      ...(typeof message.key === 'string' && { [ATTR.key]: message.key }),
    },
  });
  const headers = (message.headers ??= {});
  propagation.inject(trace.setSpan(active, span), headers);
  span.end();
  return message;
};

const consumerAttributes = (
  topic: string,
  partition: number,
  groupId: string,
  message: KafkaMessage,
): Attributes => ({
  [ATTR.system]: 'kafka',
  [ATTR.destination]: topic,
  [ATTR.partition]: String(partition),
  [ATTR.consumerGroup]: groupId,
  [ATTR.operationName]: 'process',
  [ATTR.operationType]: 'process',
  [ATTR.offset]: Number(message.offset),
  ...(message.key && { [ATTR.key]: message.key.toString() }),
});

const endWithError = (span: Span, error: unknown): void => {
  span.recordException(error instanceof Error ? error : String(error));
  span.setAttribute(ATTR.errorType, error instanceof Error ? error.name : '_OTHER');
  span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
};

/**
 * Runs `work` for one consumed message inside a CONSUMER "process" span that is a child of the
 * message's creation context (so one ride is one trace) and links to it (as the conventions ask
 * of every process span). Spans made by `work`, and its log lines, belong to this span.
 */
export const processInSpan = <T>(
  topic: string,
  partition: number,
  groupId: string,
  message: KafkaMessage,
  work: () => T,
): T => {
  if (!tracer) return work();
  const parent = creationContext(message);
  const parentSpan = trace.getSpanContext(parent);
  const span = tracer.startSpan(
    `process ${topic}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: consumerAttributes(topic, partition, groupId, message),
      ...(parentSpan && { links: [{ context: parentSpan }] }),
    },
    parent,
  );
  return context.with(trace.setSpan(parent, span), () => {
    let result: T;
    try {
      result = work();
    } catch (error) {
      endWithError(span, error);
      throw error;
    }
    if (result instanceof Promise) {
      return result.then(
        (value: Awaited<T>) => {
          span.end();
          return value;
        },
        (error: unknown) => {
          endWithError(span, error);
          throw error;
        },
      ) as T;
    }
    span.end();
    return result;
  });
};

/** A span around one Kafka transaction; `end` with the error if it aborted. */
export interface TransactionSpan {
  end(error?: unknown): void;
}

/**
 * A CLIENT "commit" span for the Kafka transaction that publishes a batch's outputs and commits
 * its offsets, linked to the creation context of each message in the batch: the batch mixes
 * rides, so no single one of their traces can be its parent. Undefined without tracing.
 */
export const startTransactionSpan = (
  topic: string,
  partition: number,
  groupId: string,
  messages: readonly KafkaMessage[],
): TransactionSpan | undefined => {
  if (!tracer) return undefined;
  const links: Link[] = [];
  for (const message of messages) {
    const linked = trace.getSpanContext(creationContext(message));
    if (linked)
      links.push({ context: linked, attributes: { [ATTR.offset]: Number(message.offset) } });
  }
  const span = tracer.startSpan(
    `commit ${topic}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        [ATTR.system]: 'kafka',
        [ATTR.destination]: topic,
        [ATTR.partition]: String(partition),
        [ATTR.consumerGroup]: groupId,
        [ATTR.operationName]: 'commit',
        [ATTR.operationType]: 'settle',
        [ATTR.batchCount]: messages.length,
      },
      links,
    },
    ROOT_CONTEXT,
  );
  return {
    end: (error) => (error === undefined ? span.end() : endWithError(span, error)),
  };
};
