import type { Logger } from 'pino';
import { PARTITION_COUNT_POLL_MS, partitionCounts, type KafkaClient } from '@taxi/kafka';

export interface PartitionCountFollower {
  /** The smallest count of the topics, as last read; undefined until one of each was read. */
  current(): number | undefined;
  stop(): void;
}

/**
 * Reads the partition counts of transaction's co-partitioned topics (`ride_details`, `dispatch`,
 * `fleet_state`) now and every `pollMs`, and keeps the smallest: the count a partition shares its
 * drivers for after a growth (domain/dispatch/growth.ts). The smallest, because a hand-over goes
 * to a partition number of `dispatch` that every co-partitioned topic must have for it to be
 * consumed (the count guard deals no other). A count read late only delays the share: a count
 * never shrinks, so one read is never above the topics' real one.
 */
export const followPartitionCount = async (deps: {
  kafka: KafkaClient;
  topics: readonly string[];
  logger: Logger;
  pollMs?: number;
}): Promise<PartitionCountFollower> => {
  let current: number | undefined;
  const readCounts = async () => {
    const counts = await partitionCounts(deps.kafka, deps.topics);
    if (deps.topics.some((topic) => !counts.has(topic))) return;
    const smallest = Math.min(...counts.values());
    if (current !== undefined && smallest !== current)
      deps.logger.info({ from: current, to: smallest }, 'partition count of the inputs changed');
    current = smallest;
  };
  await readCounts().catch((error: unknown) =>
    deps.logger.warn({ err: error }, 'partition counts not read yet; reading again shortly'),
  );
  // Kafka unreachable for now: the next poll tries again, and the last count stands meanwhile.
  const timer = setInterval(
    () => void readCounts().catch(() => undefined),
    deps.pollMs ?? PARTITION_COUNT_POLL_MS,
  );
  timer.unref();
  return { current: () => current, stop: () => clearInterval(timer) };
};
