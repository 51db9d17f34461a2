import { setTimeout as delay } from 'node:timers/promises';

/**
 * Polls a condition over HTTP until it holds (state that has no event to wait on, like /stats),
 * failing with the last value seen. Waits on the condition, not on a guessed duration.
 */
export const eventually = async <T>(
  read: () => Promise<T>,
  holds: (value: T) => boolean,
  { timeoutMs = 30_000, everyMs = 100 } = {},
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (holds(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(
        `condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`,
      );
    }
    await delay(everyMs);
  }
};
