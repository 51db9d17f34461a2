import { describeGroups, type KafkaClient } from '@taxi/kafka';
import { eventually } from '@taxi/testing';

/**
 * Resolves once a consumer group has committed every partition of its topics to the end. The end
 * of a transactional topic is a commit marker that no consumer commits past, hence the one
 * offset of slack: committed offset ≥ end offset − 1. An empty partition needs no commit.
 */
export const waitForGroupCaughtUp = async (
  kafka: KafkaClient,
  groupId: string,
  topics: readonly string[],
  timeoutMs = 120_000,
): Promise<void> => {
  await eventually(
    async () => {
      const [group] = await describeGroups(kafka, [groupId]);
      const partitions = group?.partitions ?? [];
      const lagging = topics
        .filter((topic) => !partitions.some((p) => p.topic === topic))
        .map((topic) => `${topic}/(not read yet)`);
      for (const p of partitions) {
        if (!topics.includes(p.topic)) continue;
        const behind = p.committed === null ? p.lag > 0 : BigInt(p.committed) < BigInt(p.end) - 1n;
        if (behind) lagging.push(`${p.topic}/${p.partition}`);
      }
      return lagging;
    },
    (lagging) => lagging.length === 0,
    { timeoutMs, everyMs: 250 },
  );
};
