import { accessSync, constants, mkdirSync } from 'node:fs';
import { config as loadDotenv } from 'dotenv';
import { z } from 'zod';
import type { KafkaConnectionConfig } from '@taxi/kafka';

/**
 * A config schema is a zod object whose keys are the environment variable names, each with a
 * `.describe()` saying what it is for. `readConfig` validates the environment once at start-up.
 */
export type EnvSchema = z.ZodObject<Record<string, z.ZodType>>;

export class ConfigError extends Error {
  constructor(readonly problems: readonly { variable: string; message: string }[]) {
    super(
      `invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

export const readConfig = <Schema extends EnvSchema>(
  schema: Schema,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<Schema> => {
  const present = Object.fromEntries(
    Object.keys(schema.shape).map((name) => [name, env[name] === '' ? undefined : env[name]]),
  );
  const parsed = schema.safeParse(present);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    parsed.error.issues.map((issue) => ({
      variable: String(issue.path[0] ?? '(config)'),
      message: issue.message,
    })),
  );
};

/** Loads `.env` (if present) without overriding variables already set, then validates. */
export const loadConfig = <Schema extends EnvSchema>(schema: Schema): z.infer<Schema> => {
  loadDotenv({ quiet: true });
  return readConfig(schema);
};

/**
 * Creates the folder a variable names (with its parents) and checks the process may write to it;
 * else a ConfigError naming the variable, so that a read-only root or a folder owned by another
 * user stops the service at start-up in one line (runService exits 2), not with a bare path at
 * the first write.
 */
export const ensureWritableDirectory = (variable: string, dir: string): void => {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ConfigError([
      { variable, message: `cannot write to ${dir} (${code}): set it to a writable folder` },
    ]);
  }
};

/** Lists each variable with its description, for READMEs and `--help`. */
export const describeConfig = (schema: EnvSchema): { variable: string; description: string }[] =>
  Object.entries(schema.shape).map(([variable, field]) => ({
    variable,
    description: field.description ?? '',
  }));

// Reusable field types
export const port = (fallback: number) =>
  z.coerce.number().int().min(0).max(65_535).default(fallback);

export const positiveInt = (fallback: number) =>
  z.coerce.number().int().positive().default(fallback);

export const booleanFlag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((value) => value === 'true' || value === '1');

export const brokerList = z
  .string()
  .min(1)
  .transform((value) => value.split(',').map((broker) => broker.trim()))
  .pipe(
    z.array(z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, 'each broker must be host:port')).min(1),
  );

export const logLevel = z
  .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  .default('info');

/**
 * The OpenTelemetry variables a deployment is expected to set (ADR 016). The SDK reads these and
 * the other standard OTEL_* variables itself; they are here so that a typo stops the service at
 * start-up instead of silently turning tracing off.
 */
export const tracingEnv = {
  OTEL_EXPORTER_OTLP_ENDPOINT: z
    .url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
    .optional()
    .describe(
      'OTLP/HTTP endpoint of a trace collector, e.g. http://jaeger:4318; unset: tracing off',
    ),
  OTEL_SDK_DISABLED: booleanFlag(false).describe('true turns tracing off even with an endpoint'),
  OTEL_SERVICE_NAME: z
    .string()
    .min(1)
    .optional()
    .describe("Service name on the spans; default: the service's own name"),
  OTEL_TRACES_SAMPLER: z
    .enum([
      'always_on',
      'always_off',
      'traceidratio',
      'parentbased_always_on',
      'parentbased_always_off',
      'parentbased_traceidratio',
    ])
    .optional()
    .describe('Which traces to keep; default parentbased_always_on'),
  OTEL_TRACES_SAMPLER_ARG: z.coerce
    .number()
    .min(0)
    .max(1)
    .optional()
    .describe('Sampling ratio for the traceidratio samplers, e.g. 0.1'),
};

/** Variables every service reads: Kafka connection, logging, ops HTTP port. */
export const commonEnv = {
  KAFKA_BROKERS: brokerList
    .default(['127.0.0.1:9092'])
    .describe('Comma-separated Kafka bootstrap servers, host:port'),
  KAFKA_SSL: booleanFlag(false).describe('Connect to Kafka over TLS'),
  KAFKA_SASL_MECHANISM: z
    .enum(['plain', 'scram-sha-256', 'scram-sha-512'])
    .optional()
    .describe('SASL mechanism; set together with KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD'),
  KAFKA_SASL_USERNAME: z.string().min(1).optional().describe('SASL user name'),
  KAFKA_SASL_PASSWORD: z.string().min(1).optional().describe('SASL password'),
  KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, 'only letters, digits and . _ -')
    .max(100)
    .default('')
    .describe('Prefix of every topic name, to share a cluster between environments'),
  KAFKA_SESSION_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(6_000)
    .max(300_000)
    .default(30_000)
    .describe('How long a consumer group waits for a silent member before moving its partitions'),
  KAFKA_REPLICATION_FACTOR: positiveInt(1).describe(
    'Replication factor for topics this service creates at start-up',
  ),
  KAFKA_MIN_INSYNC_REPLICAS: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .describe(
      'min.insync.replicas of the topics this service creates (at most KAFKA_REPLICATION_FACTOR); unset: the cluster default',
    ),
  LOG_LEVEL: logLevel.describe('fatal, error, warn, info, debug, trace or silent'),
  LOG_FORMAT: z
    .enum(['json', 'pretty'])
    .default('json')
    .describe('json for machines, pretty for a terminal'),
  LOG_INFO_PER_SECOND: positiveInt(10).describe(
    'Info lines per second of any one kind (e.g. "ride confirmed"); the rest are logged at debug',
  ),
  ...tracingEnv,
};

/**
 * The checks across `commonEnv`'s Kafka variables: SASL credentials come with a mechanism, and a
 * topic cannot require more in-sync replicas than it has (every `acks=all` write would be refused).
 */
export const withKafkaChecks = <Schema extends EnvSchema>(schema: Schema) =>
  schema.superRefine((value, context) => {
    const env = value as Record<string, unknown>;
    const minIsr = env['KAFKA_MIN_INSYNC_REPLICAS'];
    const replication = env['KAFKA_REPLICATION_FACTOR'];
    if (typeof minIsr === 'number' && typeof replication === 'number' && minIsr > replication) {
      context.addIssue({
        code: 'custom',
        path: ['KAFKA_MIN_INSYNC_REPLICAS'],
        message: `must be at most KAFKA_REPLICATION_FACTOR (${replication}), or every write is refused`,
      });
    }
    if (env['KAFKA_SASL_MECHANISM'] === undefined) return;
    for (const variable of ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD']) {
      if (env[variable] === undefined) {
        context.addIssue({
          code: 'custom',
          path: [variable],
          message: 'required when KAFKA_SASL_MECHANISM is set',
        });
      }
    }
  });

/** The Kafka connection settings of `commonEnv`, as the Kafka runtime takes them. */
export const kafkaConnection = (
  config: {
    KAFKA_BROKERS: string[];
    KAFKA_SSL: boolean;
    KAFKA_SASL_MECHANISM?: 'plain' | 'scram-sha-256' | 'scram-sha-512' | undefined;
    KAFKA_SASL_USERNAME?: string | undefined;
    KAFKA_SASL_PASSWORD?: string | undefined;
  },
  clientId: string,
): KafkaConnectionConfig => ({
  brokers: config.KAFKA_BROKERS,
  clientId,
  ssl: config.KAFKA_SSL,
  ...(config.KAFKA_SASL_MECHANISM && {
    sasl: {
      mechanism: config.KAFKA_SASL_MECHANISM,
      username: config.KAFKA_SASL_USERNAME ?? '',
      password: config.KAFKA_SASL_PASSWORD ?? '',
    },
  }),
});
