import { OtelCollector, SERVICE_NAMES, type StackOptions } from '@taxi/stack-harness';
import type { BenchSettings } from './settings';

/**
 * With BENCH_TRACING_RATIO set, every service exports its spans to a real OpenTelemetry Collector
 * (which discards them), sampling that ratio of traces, so a run with tracing on compares with
 * one without. The collector shares the cores with everything else.
 */
export const withTracing = async <T>(
  settings: BenchSettings,
  run: (env: StackOptions['env']) => Promise<T>,
): Promise<T & { tracing: { sampled: number } | 'off' }> => {
  if (settings.tracingRatio === undefined) return { ...(await run(undefined)), tracing: 'off' };
  const collector = await OtelCollector.start({ keepSpans: false });
  try {
    const otel = {
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: String(settings.tracingRatio),
    };
    const env = Object.fromEntries(SERVICE_NAMES.map((name) => [name, otel]));
    return { ...(await run(env)), tracing: { sampled: settings.tracingRatio } };
  } finally {
    await collector.stop();
  }
};
