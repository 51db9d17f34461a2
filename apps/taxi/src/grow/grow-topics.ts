import type { Topics } from '@taxi/events';
import { addPartitions, partitionCounts, UnknownTopicError, type KafkaClient } from '@taxi/kafka';
import { planGrowth, type GrowthGroups, type GrowthPlan, type GrowthStep } from './growth-plan';

/** The plan is unsafe (a shrink, or a count that is not a multiple of the current ones). */
export class GrowthRefusedError extends Error {
  constructor(reason: string) {
    super(`refused: ${reason}`);
    this.name = 'GrowthRefusedError';
  }
}

/** Some partitions were added and the rest failed: running the same command again finishes it. */
export class GrowthIncompleteError extends Error {
  constructor(step: number, cause: unknown) {
    super(
      `grow stopped in step ${step}: ${cause instanceof Error ? cause.message : String(cause)}; ` +
        'run the same command again to finish it',
    );
    this.name = 'GrowthIncompleteError';
  }
}

/**
 * The co-partitioned topics (ADR 038): `dispatch` (transaction's forwards, once it exists) and the
 * state changelogs, whose partition p holds the state of input partition p; then the topics keyed
 * by ride id, whose partition p is one ride's in each (`email_sent` is the ledger of outcome
 * partition p). Dead-letter topics and `ride_analytics` have one partition and no partner.
 */
export const growthGroups = (topics: Topics): GrowthGroups => ({
  state: [
    // Optional: a cluster provisioned before transaction had dispatch (ADR 038) has none yet.
    { topic: topics.dispatch.name, optional: true },
    { topic: topics.fleetState.name },
    { topic: topics.analyticsState.name },
  ],
  rideKeyed: [
    topics.rideRequested.name,
    topics.rideConfirmed.name,
    topics.rideRejected.name,
    topics.emailsSent.name,
  ],
});

/**
 * Grows every co-partitioned topic to `partitions`, state first (ADR 038), each step one request
 * that waits for the new partitions' leaders. Idempotent: topics already there are skipped, so a
 * run stopped half-way, or a `kafka-topics --alter` of some topics, is completed by running it
 * again. With `dryRun`, only plans. Returns the plan it carried out.
 */
export const growTopics = async (deps: {
  readonly kafka: KafkaClient;
  readonly topics: Topics;
  readonly partitions: number;
  readonly dryRun: boolean;
  /** Told when each step is done. */
  readonly onStep?: (step: GrowthStep, index: number) => void;
}): Promise<GrowthPlan> => {
  const groups = growthGroups(deps.topics);
  const names = [...groups.state.map((t) => t.topic), ...groups.rideKeyed];
  const counts = await partitionCounts(deps.kafka, names);
  const required = [
    ...groups.state.filter((t) => !t.optional).map((t) => t.topic),
    ...groups.rideKeyed,
  ];
  const missing = required.filter((topic) => !counts.has(topic));
  if (missing.length > 0) throw new UnknownTopicError(missing);
  const plan = planGrowth(groups, counts, deps.partitions);
  if (plan.kind === 'refused') throw new GrowthRefusedError(plan.reason);
  if (plan.kind === 'nothing-to-do' || deps.dryRun) return plan;
  for (const [index, step] of plan.steps.entries()) {
    const todo = step.topics
      .filter((t) => t.from < t.to)
      .map((t) => ({ topic: t.topic, count: t.to }));
    try {
      await addPartitions(deps.kafka, todo);
    } catch (error) {
      throw new GrowthIncompleteError(index + 1, error);
    }
    deps.onStep?.(step, index);
  }
  return plan;
};
