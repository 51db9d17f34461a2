import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { TopicSettings } from '@taxi/events';
import type { RideStore } from './ride-store';

/** Rides deleted per transaction: small enough that requests are never held up for long. */
const PRUNE_CHUNK = 2_000;

/**
 * Deletes the rides requested more than `retentionMs` ago, a chunk per transaction, letting
 * requests in between; returns how many it deleted.
 */
export const pruneRides = async (
  store: RideStore,
  retentionMs: number,
  now: Date,
): Promise<number> => {
  const cutoff = new Date(now.getTime() - retentionMs);
  let deleted = 0;
  for (;;) {
    const chunk = store.pruneRequestedBefore(cutoff, PRUNE_CHUNK);
    deleted += chunk;
    if (chunk < PRUNE_CHUNK) return deleted;
    await yieldToEventLoop();
  }
};

/**
 * Prunes every `intervalMs`: the store then holds what the topics retain (a rebuild could not
 * bring back older rides anyway), so its size follows the ride rate, not the history.
 */
export const startPruning = (deps: {
  readonly store: RideStore;
  readonly retentionMs: number;
  readonly intervalMs: number;
  readonly logger: Logger;
  readonly onFatal: (error: unknown) => void;
}): { stop(): Promise<void> } => {
  let running: Promise<void> = Promise.resolve();
  const prune = () => {
    running = pruneRides(deps.store, deps.retentionMs, new Date()).then(
      (deleted) => {
        if (deleted > 0) deps.logger.info({ deleted }, 'pruned rides older than the retention');
      },
      (error: unknown) => deps.onFatal(error),
    );
  };
  const timer = setInterval(prune, deps.intervalMs);
  timer.unref();
  prune();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
};

/** The longest retention of the topics the store is built from. */
export const retentionMsOf = (topics: readonly TopicSettings[]): number => {
  const retentions = topics.map((topic) => Number(topic.config['retention.ms']));
  if (!retentions.every((ms) => Number.isFinite(ms) && ms > 0))
    throw new Error(`every topic needs a retention.ms: ${topics.map((t) => t.name).join(', ')}`);
  return Math.max(...retentions);
};
