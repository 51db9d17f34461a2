import { backoffDelay, type RetryPolicy } from './retry';

const policy: RetryPolicy = { attempts: 8, initialDelayMs: 100, maxDelayMs: 1_000 };

/** The ceiling of the jitter: the initial delay doubled per attempt, never above the maximum. */
const ceiling = (attempt: number) =>
  Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attempt - 1));

describe('backoffDelay', () => {
  it('when the random draw is at its top, then the delay doubles per attempt up to the maximum', () => {
    const delays = [1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(policy, attempt, () => 1));

    expect(delays).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it('when the random draw is 0, then there is no delay', () => {
    expect(backoffDelay(policy, 4, () => 0)).toBe(0);
  });

  it('when the random draw is in between, then the delay is that share of the ceiling, in whole ms', () => {
    const delay = backoffDelay(policy, 3, () => 0.3333);

    expect(delay).toBe(Math.round(0.3333 * ceiling(3)));
    expect(Number.isInteger(delay)).toBe(true);
  });

  it('when drawn many times, then every delay stays between 0 and the ceiling of its attempt', () => {
    const draws = Array.from({ length: 50 }, (_, i) => i / 50);

    for (let attempt = 1; attempt <= policy.attempts; attempt += 1) {
      for (const draw of draws) {
        const delay = backoffDelay(policy, attempt, () => draw);

        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(ceiling(attempt));
      }
    }
  });
});
