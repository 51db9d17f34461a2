import pino, { type Logger } from 'pino';
import { infoRateLimit } from './log-sampling';
import { traceLogFields } from './tracing';

export interface LoggerOptions {
  readonly service: string;
  readonly level: string;
  readonly format: 'json' | 'pretty';
  /** Info lines per second per message text before the rest go to debug (see log-sampling). */
  readonly infoPerSecond?: number;
  /** Adds the active span's trace_id and span_id to each line (only when tracing is on). */
  readonly traceIds?: boolean;
}

export const DEFAULT_INFO_PER_SECOND = 10;

/** Structured logs: one JSON line per event, or coloured lines for a terminal. */
export const createLogger = ({
  service,
  level,
  format,
  infoPerSecond = DEFAULT_INFO_PER_SECOND,
  traceIds,
}: LoggerOptions): Logger =>
  pino({
    level,
    hooks: { logMethod: infoRateLimit(infoPerSecond) },
    base: { service },
    ...(traceIds && { mixin: traceLogFields }),
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['*.paymentToken', 'paymentToken', '*.password'], censor: '[redacted]' },
    ...(format === 'pretty'
      ? {
          transport: {
            target: 'pino-pretty',
            options: {
              singleLine: true,
              ignore: 'pid,hostname,service',
              translateTime: 'HH:MM:ss.l',
            },
          },
        }
      : {}),
  });

/** `ada@example.com` → `a***@example.com`: enough to follow a customer, not to harvest addresses. */
export const maskEmail = (email: string): string => {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  return `${email[0]}***${email.slice(at)}`;
};
