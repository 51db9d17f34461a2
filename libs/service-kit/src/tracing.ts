import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Tracer,
} from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
} from '@opentelemetry/semantic-conventions';
import type { RequestHandler } from 'express';
import { disableMessageTracing, enableMessageTracing } from '@taxi/kafka';

/**
 * OpenTelemetry tracing (ADR 016), configured by the standard OTEL_* variables and off unless
 * OTEL_EXPORTER_OTLP_ENDPOINT is set. Off, the SDK is not even loaded, and the helpers here and in
 * @taxi/kafka return at their first line: no span, no context, no header is made.
 */
export interface Tracing {
  readonly enabled: boolean;
  /** Exports the spans still buffered; call before exiting. */
  shutdown(): Promise<void>;
}

export interface TracingEnv {
  readonly OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined;
  readonly OTEL_SDK_DISABLED?: boolean | undefined;
  readonly OTEL_SERVICE_NAME?: string | undefined;
}

let tracer: Tracer | undefined;

export const isTracingEnabled = (config: TracingEnv): boolean =>
  config.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined && config.OTEL_SDK_DISABLED !== true;

/**
 * Starts the OpenTelemetry Node SDK when the config asks for traces: OTLP exporter, sampler,
 * propagators and resource all from the OTEL_* variables; `service` names the service unless
 * OTEL_SERVICE_NAME does. No auto-instrumentation: the spans are the ones this code makes.
 */
export const startTracing = async (service: string, config: TracingEnv): Promise<Tracing> => {
  if (!isTracingEnabled(config)) return { enabled: false, shutdown: async () => undefined };
  // Loaded only when wanted: the SDK and its exporters cost start-up time and memory.
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const sdk = new NodeSDK({
    ...(config.OTEL_SERVICE_NAME === undefined && { serviceName: service }),
    instrumentations: [],
    // Traces only: metrics stay with Prometheus and logs with pino (which carry the trace ids).
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  tracer = trace.getTracer('@taxi/service-kit');
  enableMessageTracing();
  return {
    enabled: true,
    shutdown: async () => {
      tracer = undefined;
      disableMessageTracing();
      await sdk.shutdown();
    },
  };
};

/**
 * A pino mixin adding the active span's ids to every log line (the OpenTelemetry field names for
 * logs: trace_id, span_id, trace_flags), so a log line leads to its trace and back.
 */
export const traceLogFields = (): Record<string, string> => {
  const span = trace.getActiveSpan()?.spanContext();
  if (!span) return {};
  return {
    trace_id: span.traceId,
    span_id: span.spanId,
    trace_flags: `0${span.traceFlags.toString(16)}`,
  };
};

const endSpanWithError = (span: ReturnType<Tracer['startSpan']>, error: unknown) => {
  span.recordException(error instanceof Error ? error : String(error));
  span.setAttribute(ATTR_ERROR_TYPE, error instanceof Error ? error.name : '_OTHER');
  span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
};

/** Runs `work` inside a CLIENT span (a call to another system, e.g. an SMTP send). */
export const inClientSpan = <T>(
  name: string,
  attributes: Attributes,
  work: () => Promise<T>,
): Promise<T> => {
  if (!tracer) return work();
  const span = tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes });
  return context.with(trace.setSpan(context.active(), span), work).then(
    (result) => {
      span.end();
      return result;
    },
    (error: unknown) => {
      endSpanWithError(span, error);
      throw error;
    },
  );
};

/**
 * An HTTP SERVER span for each request that reaches the routes after it, named after the matched
 * route (`POST /rides`) and a child of the caller's `traceparent`, if it sent one. Mount it after
 * the ops routes, so that probes and scrapes make no traces.
 */
export const traceHttpRequests = (): RequestHandler => (req, res, next) => {
  if (!tracer) return next();
  const parent = propagation.extract(context.active(), req.headers);
  const span = tracer.startSpan(
    req.method,
    {
      kind: SpanKind.SERVER,
      attributes: {
        [ATTR_HTTP_REQUEST_METHOD]: req.method,
        [ATTR_URL_PATH]: req.path,
        [ATTR_URL_SCHEME]: req.protocol,
      },
    },
    parent,
  );
  const active = trace.setSpan(parent, span);
  res.on('finish', () => {
    const route: unknown = req.route?.path;
    if (typeof route === 'string') {
      span.updateName(`${req.method} ${route}`);
      span.setAttribute(ATTR_HTTP_ROUTE, route);
    }
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, res.statusCode);
    if (res.statusCode >= 500) {
      span.setAttribute(ATTR_ERROR_TYPE, String(res.statusCode));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
  });
  // The body parser resumes on the request's stream events, outside this call: bind them too.
  context.bind(active, req);
  context.bind(active, res);
  context.with(active, next);
};
