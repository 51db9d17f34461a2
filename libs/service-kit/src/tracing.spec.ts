import { trace } from '@opentelemetry/api';
import { isMessageTracingEnabled } from '@taxi/kafka';
import { z } from 'zod';
import { ConfigError, readConfig, tracingEnv } from './config';
import { isTracingEnabled, startTracing, traceLogFields } from './tracing';

const schema = z.object(tracingEnv);

describe('tracing set-up', () => {
  it('when no OTLP endpoint is configured, then tracing stays off and nothing is traced', async () => {
    const tracing = await startTracing('rides', readConfig(schema, {}));

    expect(tracing.enabled).toBe(false);
    expect(isMessageTracingEnabled()).toBe(false);
    expect(trace.getActiveSpan()).toBeUndefined();
    expect(traceLogFields()).toEqual({});
    await tracing.shutdown();
  });

  it('when an endpoint is set but OTEL_SDK_DISABLED is true, then tracing stays off', () => {
    const config = readConfig(schema, {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318',
      OTEL_SDK_DISABLED: 'true',
    });

    expect(isTracingEnabled(config)).toBe(false);
    expect(isTracingEnabled({ ...config, OTEL_SDK_DISABLED: false })).toBe(true);
  });

  it.each([
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'jaeger:4318'],
    ['OTEL_TRACES_SAMPLER', 'sometimes'],
    ['OTEL_TRACES_SAMPLER_ARG', '10'],
  ])('when %s is %p, then the configuration error names it', (variable, value) => {
    let problems: readonly { variable: string }[] = [];
    try {
      readConfig(schema, { [variable]: value });
    } catch (error) {
      if (error instanceof ConfigError) problems = error.problems;
    }

    expect(problems.map((problem) => problem.variable)).toEqual([variable]);
  });
});
