import { logLevel, type LogEntry, type logCreator } from 'kafkajs';
import type { Logger } from 'pino';

/** Routes kafkajs' own logs into pino, keeping its fields and mapping its levels. */
export const pinoLogCreator =
  (logger: Logger): logCreator =>
  () =>
  ({ namespace, level, log }: LogEntry) => {
    const { message, timestamp: _timestamp, logger: _name, ...fields } = log;
    const entry = { ...fields, namespace };
    switch (level) {
      case logLevel.ERROR:
        return logger.error(entry, message);
      case logLevel.WARN:
        return logger.warn(entry, message);
      case logLevel.INFO:
        return logger.info(entry, message);
      case logLevel.DEBUG:
        return logger.debug(entry, message);
      case logLevel.NOTHING:
        return undefined;
    }
  };
