import type { Logger } from 'pino';
import type { KafkaClient } from './connect';
import type { Assignment } from './member';
import { partitionCounts } from './partitions';

// Topics are co-partitioned when partition p of each belongs together: a changelog holding the
// state of input partition p, a ledger holding what was done for outcome partition p. Someone who
// grows some of them and not the others (Kafka's own `kafka-topics --alter`) leaves partitions
// with no counterpart: state that cannot be written, a ledger that cannot be read. The guard
// makes a member leave those partitions alone, says once what to run, and takes them again when
// the counts agree (ADR 038, "Someone runs kafka-topics --alter on some topics only").

/** Whether a member takes every partition it owns, and if not, why (for /readyz). */
export interface PartitionCountStatus {
  readonly ok: boolean;
  readonly reason?: string;
}

export interface PartitionCountSplit {
  /** The owned partitions that may be processed: below every co-partitioned topic's count. */
  readonly taken: Assignment;
  /** Owned but left alone, untouched and uncommitted, until the counts agree. */
  readonly withheld: Assignment;
  /** Why, in one line; undefined when nothing is withheld. */
  readonly reason?: string;
}

/**
 * Splits an assignment by the co-partitioned topics' counts: a partition at or above the smallest
 * count is withheld. Pure; `counts` must hold every co-partitioned topic (a missing one counts 0).
 */
export const splitByCounts = (
  assignment: Assignment,
  topics: readonly string[],
  counts: ReadonlyMap<string, number>,
): PartitionCountSplit => {
  const sizes = topics.map((topic) => counts.get(topic) ?? 0);
  const smallest = Math.min(...sizes);
  const largest = Math.max(...sizes);
  const taken: Record<string, number[]> = {};
  const withheld: Record<string, number[]> = {};
  for (const [topic, partitions] of Object.entries(assignment)) {
    const partitionCountGuard = topics.includes(topic);
    const keep = partitions.filter((p) => !partitionCountGuard || p < smallest);
    const leave = partitions.filter((p) => partitionCountGuard && p >= smallest);
    if (keep.length > 0) taken[topic] = keep;
    if (leave.length > 0) withheld[topic] = leave;
  }
  if (Object.keys(withheld).length === 0) return { taken, withheld };
  const named = topics.map((topic, i) => `${topic} ${sizes[i]}`).join(', ');
  const left = smallest === largest - 1 ? `${smallest}` : `${smallest}-${largest - 1}`;
  return {
    taken,
    withheld,
    reason:
      `partition counts differ (${named}): not taking partition(s) ${left} until they match; ` +
      `run: taxi topics grow --partitions ${largest}`,
  };
};

export interface PartitionCountGuard {
  /** Reads the counts now and splits the assignment; logs the reason once per distinct one. */
  check(assignment: Assignment): Promise<PartitionCountSplit>;
  status(): PartitionCountStatus;
  /**
   * While partitions are withheld: polls the counts every `pollMs` and calls `matched` once the
   * last checked assignment would be taken whole. Returns a function that stops the polling.
   */
  watch(matched: () => void): () => void;
}

/** How often the counts are read again while partitions are withheld. */
export const PARTITION_COUNT_POLL_MS = 5_000;

/**
 * A guard for one member over its co-partitioned topics (full names, prefix included), e.g.
 * analytics' `[ride_confirmed, ride_rejected, analytics_state]`.
 */
export const createPartitionCountGuard = (options: {
  readonly kafka: KafkaClient;
  readonly topics: readonly string[];
  readonly logger: Logger;
  readonly pollMs?: number;
}): PartitionCountGuard => {
  const { kafka, topics, logger } = options;
  let last: { assignment: Assignment; split: PartitionCountSplit } | undefined;
  let logged: string | undefined;

  const split = async (assignment: Assignment) =>
    splitByCounts(assignment, topics, await partitionCounts(kafka, topics));

  return {
    check: async (assignment) => {
      const result = await split(assignment);
      last = { assignment, split: result };
      if (result.reason && result.reason !== logged) logger.error(result.reason);
      if (!result.reason && logged) logger.info({ topics }, 'partition counts match again');
      logged = result.reason;
      return result;
    },
    status: () => (last?.split.reason ? { ok: false, reason: last.split.reason } : { ok: true }),
    watch: (matched) => {
      let stopped = false;
      const timer = setInterval(() => {
        if (!last?.split.reason) return;
        const { assignment } = last;
        split(assignment).then(
          (result) => {
            if (stopped || result.reason) return;
            stopped = true;
            clearInterval(timer);
            matched();
          },
          () => undefined, // Kafka unreachable for now: the next poll tries again
        );
      }, options.pollMs ?? PARTITION_COUNT_POLL_MS);
      timer.unref();
      return () => {
        stopped = true;
        clearInterval(timer);
      };
    },
  };
};
