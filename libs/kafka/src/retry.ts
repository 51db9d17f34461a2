export interface RetryPolicy {
  /** Tries in all, the first included. */
  readonly attempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  attempts: 5,
  initialDelayMs: 200,
  maxDelayMs: 10_000,
};

/** Exponential backoff with full jitter, so instances retrying together spread out. */
export const backoffDelay = (policy: RetryPolicy, attempt: number, random = Math.random): number =>
  Math.round(random() * Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attempt - 1)));

export const wait = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));
