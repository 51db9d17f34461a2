import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import type { KafkaMessage, Message } from 'kafkajs';
import {
  disableMessageTracing,
  enableMessageTracing,
  processInSpan,
  startTransactionSpan,
  withCreationContext,
} from './tracing';

const consumed = (message: Message, offset = '7'): KafkaMessage => ({
  key: Buffer.from(String(message.key)),
  value: Buffer.from('{}'),
  timestamp: '0',
  attributes: 0,
  offset,
  headers: Object.fromEntries(
    Object.entries(message.headers ?? {}).map(([name, value]) => [
      name,
      Buffer.from(String(value)),
    ]),
  ),
});

describe('message tracing', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const contextManager = new AsyncLocalStorageContextManager().enable();

  beforeAll(() => {
    trace.setGlobalTracerProvider(provider);
    context.setGlobalContextManager(contextManager);
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  });
  afterEach(() => {
    disableMessageTracing();
    exporter.reset();
  });
  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  });

  const inRequestSpan = <T>(work: () => T): T => {
    const span = trace.getTracer('test').startSpan('POST /rides');
    try {
      return context.with(trace.setSpan(context.active(), span), work);
    } finally {
      span.end();
    }
  };

  it('when tracing is off, then an outgoing message is returned as it was, without a traceparent', () => {
    const headers = { 'x-event-type': 'ride.requested' };
    const message: Message = { key: 'ride-1', value: 'v', headers };

    const sent = inRequestSpan(() => withCreationContext('ride_details', message));

    expect(sent).toBe(message);
    expect(sent.headers).toEqual({ 'x-event-type': 'ride.requested' });
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['POST /rides']);
  });

  it('when tracing is on, then a message published inside a trace carries a create span’s traceparent', () => {
    enableMessageTracing();

    const sent = inRequestSpan(() =>
      withCreationContext('ride_details', { key: 'ride-1', value: 'v', headers: {} }),
    );

    const [create, request] = exporter.getFinishedSpans();
    expect(create?.name).toBe('create ride_details');
    expect(create?.parentSpanContext?.spanId).toBe(request?.spanContext().spanId);
    expect(create?.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.destination.name': 'ride_details',
      'messaging.operation.type': 'create',
      'messaging.kafka.message.key': 'ride-1',
    });
    const created = create?.spanContext();
    expect(sent.headers?.['traceparent']).toBe(`00-${created?.traceId}-${created?.spanId}-01`);
  });

  it('when tracing is on but no trace is active, then the message starts no trace of its own', () => {
    enableMessageTracing();

    const sent = withCreationContext('analytics_state', { key: '0', value: 'v', headers: {} });

    expect(sent.headers).toEqual({});
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('when a traced message is processed, then the process span is a child of its creation span and links to it', async () => {
    enableMessageTracing();
    const sent = inRequestSpan(() =>
      withCreationContext('ride_details', { key: 'ride-1', value: 'v', headers: {} }),
    );
    const [create] = exporter.getFinishedSpans();

    const activeInside = await processInSpan('ride_details', 3, 'transaction', consumed(sent), () =>
      Promise.resolve(trace.getActiveSpan()?.spanContext().spanId),
    );

    const process = exporter
      .getFinishedSpans()
      .find((span) => span.name === 'process ride_details');
    expect(process?.parentSpanContext?.spanId).toBe(create?.spanContext().spanId);
    expect(process?.spanContext().traceId).toBe(create?.spanContext().traceId);
    expect(process?.links.map((link) => link.context.spanId)).toEqual([
      create?.spanContext().spanId,
    ]);
    expect(activeInside).toBe(process?.spanContext().spanId);
    expect(process?.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.destination.name': 'ride_details',
      'messaging.destination.partition.id': '3',
      'messaging.consumer.group.name': 'transaction',
      'messaging.kafka.offset': 7,
    });
  });

  it('when processing fails, then the process span ends with an error', () => {
    enableMessageTracing();

    expect(() =>
      processInSpan('ride_details', 0, 'g', consumed({ key: 'k', value: 'v' }), () => {
        throw new TypeError('bad ride');
      }),
    ).toThrow('bad ride');

    const [process] = exporter.getFinishedSpans();
    expect(process?.status.code).toBe(2);
    expect(process?.attributes['error.type']).toBe('TypeError');
  });

  it('when a batch is committed, then the transaction span links to every consumed message', () => {
    enableMessageTracing();
    const messages = ['ride-1', 'ride-2'].map((key, index) =>
      consumed(
        inRequestSpan(() => withCreationContext('ride_details', { key, value: 'v', headers: {} })),
        String(index),
      ),
    );
    const creates = exporter.getFinishedSpans().filter((span) => span.name.startsWith('create'));

    startTransactionSpan('ride_details', 0, 'transaction', messages)?.end();

    const commit = exporter.getFinishedSpans().find((span) => span.name === 'commit ride_details');
    expect(commit?.parentSpanContext).toBeUndefined();
    expect(commit?.links.map((link) => link.context.spanId)).toEqual(
      creates.map((span) => span.spanContext().spanId),
    );
    expect(commit?.attributes['messaging.batch.message_count']).toBe(2);
  });

  it('when tracing is off, then processing runs as is and no transaction span is made', () => {
    const message = consumed({ key: 'k', value: 'v' });

    expect(processInSpan('t', 0, 'g', message, () => 42)).toBe(42);
    expect(startTransactionSpan('t', 0, 'g', [message])).toBeUndefined();
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});
