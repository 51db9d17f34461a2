// What `taxi topics grow --partitions N` does, decided from the counts alone (pure). ADR 038's
// order: the state and internal topics first, so that every input partition has its changelog
// partition before it can be assigned; then the ride-keyed topics together.

/** One topic's count now and wanted; `from === to` once grown (a re-run after a partial one). */
export interface TopicGrowth {
  readonly topic: string;
  readonly from: number;
  readonly to: number;
}

export interface GrowthStep {
  readonly what: string;
  readonly topics: readonly TopicGrowth[];
}

export type GrowthPlan =
  | { readonly kind: 'grow'; readonly partitions: number; readonly steps: readonly GrowthStep[] }
  | { readonly kind: 'nothing-to-do'; readonly partitions: number }
  | { readonly kind: 'refused'; readonly reason: string };

/** The co-partitioned topics, by step; optional ones are grown only where they exist. */
export interface GrowthGroups {
  readonly state: readonly { readonly topic: string; readonly optional?: boolean }[];
  readonly rideKeyed: readonly string[];
}

/**
 * The plan to bring every co-partitioned topic to `partitions`.
 *
 * Refused when a topic has more (Kafka cannot take partitions away), or when `partitions` is not a
 * multiple of every count now: only then does a key move from p only to p + k·m (murmur2 mod N mod
 * m = murmur2 mod m), so a new partition q inherits its keys from q mod m alone, and ADR 038's
 * copy of the duplicate guard from q mod m is complete. Counts already at `partitions` are a
 * growth half done (by this command, stopped, or by `kafka-topics --alter`): the plan completes it.
 */
export const planGrowth = (
  groups: GrowthGroups,
  counts: ReadonlyMap<string, number>,
  partitions: number,
): GrowthPlan => {
  const stateTopics = groups.state.filter((t) => !t.optional || counts.has(t.topic));
  const all = [...stateTopics.map((t) => t.topic), ...groups.rideKeyed];
  const growthOf = (topic: string): TopicGrowth => ({
    topic,
    from: counts.get(topic) as number,
    to: partitions,
  });
  const larger = all.filter((topic) => (counts.get(topic) as number) > partitions);
  if (larger.length > 0)
    return {
      kind: 'refused',
      reason: `Kafka cannot take partitions away: ${larger
        .map((topic) => `${topic} has ${counts.get(topic)}`)
        .join(', ')}, more than ${partitions}`,
    };
  const notDividing = all.filter((topic) => partitions % (counts.get(topic) as number) !== 0);
  if (notDividing.length > 0)
    return {
      kind: 'refused',
      reason: `${partitions} is not a multiple of ${notDividing
        .map((topic) => `${topic}'s ${counts.get(topic)}`)
        .join(', ')}: a key must move from partition p only to p + k·${counts.get(
        notDividing[0] as string,
      )} (ADR 038); choose a multiple`,
    };
  if (all.every((topic) => counts.get(topic) === partitions))
    return { kind: 'nothing-to-do', partitions };
  return {
    kind: 'grow',
    partitions,
    steps: [
      {
        what: 'state and internal topics first',
        topics: stateTopics.map((t) => growthOf(t.topic)),
      },
      { what: 'the ride-keyed topics together', topics: groups.rideKeyed.map(growthOf) },
    ],
  };
};

/** One line per step: `1. state and internal topics first: fleet_state 6 → 12, ...`. */
export const describeSteps = (steps: readonly GrowthStep[]): string[] =>
  steps.map(
    (step, i) =>
      `${i + 1}. ${step.what}: ${step.topics
        .map(({ topic, from, to }) =>
          from === to ? `${topic} ${to} (done)` : `${topic} ${from} → ${to}`,
        )
        .join(', ')}`,
  );
