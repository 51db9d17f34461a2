import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { eventually } from '@taxi/testing';
import {
  OtelCollector,
  SpanKind,
  type ExportedSpan,
  postRide,
  rideRequest,
  SERVICE_NAMES,
  startStack,
  type Stack,
} from '@taxi/stack-harness';

/** What the caller of POST /rides sends: the ride's trace starts in the test. */
const CALLER_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN_ID = '00f067aa0ba902b7';

/** Reads one message with kcat, a Kafka client that is not ours, as JSON (`-J`, with headers). */
const kcatRead = async (brokers: string, topic: string, partition: string, offset: string) => {
  const { stdout } = await promisify(execFile)('kcat', [
    ...['-b', brokers, '-C', '-t', topic, '-p', partition, '-o', offset],
    ...['-c', '1', '-e', '-J', '-q'],
  ]);
  return JSON.parse(stdout) as { headers?: string[]; key: string };
};

describe('one ride traced across HTTP and Kafka, exported to a real OpenTelemetry Collector', () => {
  let collector: OtelCollector;
  let stack: Stack;
  let trace: ExportedSpan[];
  let all: ExportedSpan[];
  let rideId: string;

  beforeAll(async () => {
    collector = await OtelCollector.start();
    const tracing = {
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
      // Export within a few hundred ms instead of the default 5 s.
      OTEL_BSP_SCHEDULE_DELAY: '200',
    };
    stack = await startStack({
      env: Object.fromEntries(SERVICE_NAMES.map((name) => [name, tracing])),
    });
    const accepted = await postRide(stack.ridesUrl, rideRequest(), 'trace-corr-1', {
      traceparent: `00-${CALLER_TRACE_ID}-${CALLER_SPAN_ID}-01`,
    });
    expect(accepted.status).toBe(202);
    rideId = accepted.body['rideId'] as string;
    await stack.smtp.waitFor(1);
    // Each service exports on its own schedule: wait until every span asserted on has arrived.
    const expected = [
      ['rides', 'POST /rides'],
      ['rides', `create ${topic('ride_details')}`],
      ['transaction', `process ${topic('ride_details')}`],
      ['transaction', `create ${topic('ride_confirmed')}`],
      ['transaction', `commit ${topic('ride_details')}`],
      ['email', `process ${topic('ride_confirmed')}`],
      ['email', 'smtp send'],
      ['analytics', `process ${topic('ride_confirmed')}`],
    ];
    const count = (spans: ExportedSpan[], name: string) =>
      spans.filter((span) => span.traceId === CALLER_TRACE_ID && span.name === name).length;
    all = await eventually(
      () => collector.spans(),
      (spans) =>
        expected.every(([service, name]) =>
          spans.some((span) => span.service === service && span.name === name),
        ) &&
        // A ride passed on (ADR 038): each hop's process span too, which ends after its children.
        count(spans, `process ${topic('dispatch')}`) ===
          count(spans, `create ${topic('dispatch')}`),
      { timeoutMs: 60_000, everyMs: 200 },
    );
    trace = all.filter((span) => span.traceId === CALLER_TRACE_ID);
  }, 600_000);

  afterAll(async () => {
    await stack?.stop();
    await collector?.stop();
  });

  const only = (service: string, name: string): ExportedSpan => {
    const found = trace.filter((span) => span.service === service && span.name === name);
    expect(found.map((span) => `${span.service}: ${span.name}`)).toEqual([`${service}: ${name}`]);
    return found[0] as ExportedSpan;
  };
  const topic = (name: string) => `${stack.prefix}${name}`;

  /**
   * The span the ride was decided in: `process ride_details`, or, when transaction passed the ride
   * on to the partition that owns its driver (ADR 038), the `process dispatch` of the last hop,
   * each hop the child of the `create dispatch` of the one before. Whether a ride is passed on
   * depends on the partition its random id lands on.
   */
  const decidingSpan = (): ExportedSpan => {
    const ofTransaction = (name: string) =>
      trace.filter((span) => span.service === 'transaction' && span.name === name);
    const forwards = ofTransaction(`create ${topic('dispatch')}`);
    const hops = ofTransaction(`process ${topic('dispatch')}`);
    expect(hops).toHaveLength(forwards.length);
    let cause = only('transaction', `process ${topic('ride_details')}`);
    for (let hop = 0; hop < forwards.length; hop += 1) {
      const forward = forwards.find((span) => span.parentSpanId === cause.spanId);
      const received = hops.find((span) => span.parentSpanId === forward?.spanId);
      expect({ hop, forward: forward?.spanId, received: received?.spanId }).toEqual({
        hop,
        forward: expect.any(String),
        received: expect.any(String),
      });
      cause = received as ExportedSpan;
    }
    return cause;
  };

  it('when a ride is requested, then all four services add spans to the caller’s trace', () => {
    expect(new Set(trace.map((span) => span.service))).toEqual(new Set(SERVICE_NAMES));
  });

  it('when the spans are read, then each is the child of the span that caused it', () => {
    const http = only('rides', 'POST /rides');
    const requested = only('rides', `create ${topic('ride_details')}`);
    const decided = only('transaction', `process ${topic('ride_details')}`);
    const confirmed = only('transaction', `create ${topic('ride_confirmed')}`);
    const emailed = only('email', `process ${topic('ride_confirmed')}`);
    const smtp = only('email', 'smtp send');
    const counted = only('analytics', `process ${topic('ride_confirmed')}`);

    expect(http.kind).toBe(SpanKind.server);
    expect(http.parentSpanId).toBe(CALLER_SPAN_ID);
    expect(http.attributes['http.route']).toBe('/rides');
    expect(http.attributes['http.response.status_code']).toBe(202);
    expect(requested.parentSpanId).toBe(http.spanId);
    expect(decided.parentSpanId).toBe(requested.spanId);
    expect(confirmed.parentSpanId).toBe(decidingSpan().spanId);
    expect(emailed.parentSpanId).toBe(confirmed.spanId);
    expect(smtp.parentSpanId).toBe(emailed.spanId);
    expect(smtp.kind).toBe(SpanKind.client);
    expect(counted.parentSpanId).toBe(confirmed.spanId);
    expect([requested, confirmed].map((span) => span.kind)).toEqual([
      SpanKind.producer,
      SpanKind.producer,
    ]);
    expect([decided, emailed, counted].map((span) => span.kind)).toEqual([
      SpanKind.consumer,
      SpanKind.consumer,
      SpanKind.consumer,
    ]);
  });

  it('when a message is processed, then its process span also links to the message’s creation context', () => {
    const requested = only('rides', `create ${topic('ride_details')}`);
    const decided = only('transaction', `process ${topic('ride_details')}`);

    expect(decided.links).toEqual([{ traceId: CALLER_TRACE_ID, spanId: requested.spanId }]);
  });

  it('when the transaction service commits a batch, then its commit span links to each consumed message', () => {
    const requested = only('rides', `create ${topic('ride_details')}`);
    const commits = all.filter(
      (span) =>
        span.service === 'transaction' &&
        span.name === `commit ${topic('ride_details')}` &&
        span.links.some((link) => link.spanId === requested.spanId),
    );

    expect(commits).toHaveLength(1);
    const [commit] = commits as [ExportedSpan];
    expect(commit.kind).toBe(SpanKind.client);
    expect(commit.links).toContainEqual({ traceId: CALLER_TRACE_ID, spanId: requested.spanId });
    expect(commit.links).toHaveLength(commit.attributes['messaging.batch.message_count'] as number);
    expect(commit.attributes['messaging.consumer.group.name']).toBe(
      stack.env('transaction')['KAFKA_GROUP_ID'],
    );
  });

  it('when a message is consumed, then its span carries the messaging attributes', () => {
    const decided = only('transaction', `process ${topic('ride_details')}`);

    expect(decided.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.destination.name': topic('ride_details'),
      'messaging.consumer.group.name': stack.env('transaction')['KAFKA_GROUP_ID'],
      'messaging.operation.type': 'process',
      'messaging.kafka.message.key': rideId,
    });
    expect(decided.attributes['messaging.destination.partition.id']).toMatch(/^[0-5]$/);
    expect(typeof decided.attributes['messaging.kafka.offset']).toBe('number');
  });

  it('when another Kafka client reads the message, then its traceparent header names the producer span', async () => {
    const requested = only('rides', `create ${topic('ride_details')}`);
    const decided = only('transaction', `process ${topic('ride_details')}`);

    const read = await kcatRead(
      stack.brokers,
      topic('ride_details'),
      String(decided.attributes['messaging.destination.partition.id']),
      String(decided.attributes['messaging.kafka.offset']),
    );

    expect(read.key).toBe(rideId);
    const headers = read.headers ?? [];
    const traceparent = headers[headers.indexOf('traceparent') + 1];
    expect(traceparent).toBe(`00-${CALLER_TRACE_ID}-${requested.spanId}-01`);
  });

  it('when a service logs while handling the ride, then the line carries trace_id and span_id next to the correlation id', async () => {
    const decided = decidingSpan();

    const line = await stack.services.transaction.waitForLog(
      (log) => log.msg === 'ride confirmed' && log['rideId'] === rideId,
    );

    expect(line).toMatchObject({
      trace_id: CALLER_TRACE_ID,
      span_id: decided.spanId,
      correlationId: 'trace-corr-1',
    });
  });
});
