import type { LogFn, Logger } from 'pino';

const INFO = 30;

/**
 * A pino `logMethod` hook: at most `perSecond` info lines per second for any one message text
 * (e.g. "ride confirmed"); beyond that, the line is logged at debug level instead. One ride at a
 * time (a demo, a test, a quiet hour) is logged at info as before; at thousands of rides per
 * second the log keeps a sample of each kind instead of a line per message, and LOG_LEVEL=debug
 * brings back every line, with its correlation id. Other levels are never touched.
 */
export const infoRateLimit = (perSecond: number, now: () => number = Date.now) => {
  let second = -1;
  const seen = new Map<string, number>();
  return function logMethod(
    this: Logger,
    args: Parameters<LogFn>,
    method: LogFn,
    level: number,
  ): void {
    if (level === INFO) {
      const current = Math.floor(now() / 1000);
      if (current !== second) {
        second = current;
        seen.clear();
      }
      const [first, next] = args as unknown[];
      const text = typeof first === 'string' ? first : typeof next === 'string' ? next : '';
      const count = (seen.get(text) ?? 0) + 1;
      seen.set(text, count);
      if (count > perSecond) return this.debug(...args);
    }
    return method.apply(this, args);
  };
};
