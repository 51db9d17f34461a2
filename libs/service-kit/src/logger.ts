import pino, { type Logger } from 'pino';
import { traceLogFields } from './tracing';

export interface LoggerOptions {
  readonly service: string;
  readonly level: string;
  readonly format: 'json' | 'pretty';
  /** Adds the active span's trace_id and span_id to each line (only when tracing is on). */
  readonly traceIds?: boolean;
}

/** Structured logs: one JSON line per event, or coloured lines for a terminal. */
export const createLogger = ({ service, level, format, traceIds }: LoggerOptions): Logger =>
  pino({
    level,
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
