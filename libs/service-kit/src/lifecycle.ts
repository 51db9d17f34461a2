import type { Logger } from 'pino';
import type { z } from 'zod';
import { ConfigError, loadConfig, type EnvSchema } from './config';
import { createLogger } from './logger';
import { memoryLimits } from './memory-limits';
import { startTracing, type Tracing, type TracingEnv } from './tracing';

export interface Service {
  readonly stop: () => Promise<void>;
}

export interface ServiceDefinition<Schema extends EnvSchema> {
  readonly service: string;
  readonly env: Schema;
  readonly start: (
    config: z.infer<Schema>,
    logger: Logger,
    onFatal: (error: unknown) => void,
  ) => Promise<Service>;
  readonly shutdownTimeoutMs?: number;
}

/**
 * Runs a service from `main.ts`. Bad config exits 2 naming the variables (also a ConfigError
 * thrown by `start`, for a setting only found unusable then); a failed start exits 1;
 * SIGTERM/SIGINT stop it (stop intake, finish in-flight work, commit, disconnect) and exit 0
 * within the shutdown timeout; a fatal error at run time stops it the same way and exits 1.
 */
export const runService = async <Schema extends EnvSchema>(
  definition: ServiceDefinition<Schema>,
): Promise<void> => {
  let config: z.infer<Schema>;
  try {
    config = loadConfig(definition.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${definition.service}: ${error.message}\n`);
    process.exit(2);
  }
  let tracing: Tracing;
  try {
    tracing = await startTracing(definition.service, config as TracingEnv);
  } catch (error) {
    process.stderr.write(`${definition.service}: tracing could not start: ${String(error)}\n`);
    process.exit(1);
  }
  const logger = createLogger({
    service: definition.service,
    level: String(config['LOG_LEVEL'] ?? 'info'),
    format: config['LOG_FORMAT'] === 'pretty' ? 'pretty' : 'json',
    ...(typeof config['LOG_INFO_PER_SECOND'] === 'number' && {
      infoPerSecond: config['LOG_INFO_PER_SECOND'],
    }),
    traceIds: tracing.enabled,
  });
  logger.info(memoryLimits(), 'memory limits');
  const timeoutMs = definition.shutdownTimeoutMs ?? 10_000;
  let service: Service | undefined;
  let stopping = false;

  const shutdown = async (reason: string, exitCode: number) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'shutting down');
    setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown took too long, exiting');
      process.exit(1);
    }, timeoutMs).unref();
    try {
      await service?.stop();
      await tracing.shutdown();
      logger.info('stopped');
    } catch (error) {
      logger.error({ err: error }, 'error while stopping');
      exitCode = 1;
    }
    logger.flush();
    process.exit(exitCode);
  };

  process.once('SIGTERM', () => void shutdown('SIGTERM', 0));
  process.once('SIGINT', () => void shutdown('SIGINT', 0));
  try {
    service = await definition.start(config, logger, (error) => {
      logger.fatal({ err: error }, 'fatal error');
      void shutdown('fatal error', 1);
    });
  } catch (error) {
    // A setting found unusable only at start (a folder that cannot be written): as bad config.
    if (error instanceof ConfigError) {
      process.stderr.write(`${definition.service}: ${error.message}\n`);
      process.exit(2);
    }
    logger.fatal({ err: error }, 'failed to start');
    logger.flush();
    process.exit(1);
  }
};
