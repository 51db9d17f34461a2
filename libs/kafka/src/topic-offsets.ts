import type { Admin } from 'kafkajs';
import { backoffDelay, wait } from './retry';

type TopicOffsets = Awaited<ReturnType<Admin['fetchTopicOffsets']>>;

const ATTEMPTS = 10;

const isRetriable = (error: unknown): boolean =>
  (error as { retriable?: unknown } | undefined)?.retriable === true;

/**
 * Each partition's low and high offsets. kafkajs gives up at once on a retriable error of the
 * ListOffsets answer (e.g. "This server is not the leader for that topic-partition" while a topic
 * just created gets its leaders, or a broker restarts); this tries again with backoff.
 */
export const fetchTopicOffsets = async (admin: Admin, topic: string): Promise<TopicOffsets> => {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (error) {
      if (attempt >= ATTEMPTS || !isRetriable(error)) throw error;
      await wait(
        backoffDelay({ attempts: ATTEMPTS, initialDelayMs: 100, maxDelayMs: 2_000 }, attempt),
      );
    }
  }
};
