import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { EventOf, TopicContract } from '@taxi/events';
import { contractsByTopic, decodeInbound } from './inbound';
import { startSupervisedConsumer } from './supervised-consumer';

export interface TailedRecord<Contract extends TopicContract> {
  readonly event: EventOf<Contract>;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

export interface EventTail {
  /** True while following (a member of its own group with the partitions assigned). */
  isReady(): boolean;
  stop(): Promise<void>;
}

/**
 * Follows topics from their end, for watching rather than processing: a group of its own (every
 * instance sees every partition), nothing committed, committed transactions only. What cannot be
 * decoded is logged and skipped: a watcher has no business dead-lettering other services' input.
 */
export const startTail = async <Contract extends TopicContract>(options: {
  readonly kafka: Kafka;
  readonly contracts: readonly Contract[];
  /** Names the ephemeral group, so it can be told apart in the broker's group list. */
  readonly groupPrefix: string;
  readonly logger: Logger;
  readonly onRecord: (record: TailedRecord<Contract>) => void;
  readonly onFatal: (error: unknown) => void;
}): Promise<EventTail> => {
  const { logger } = options;
  const byTopic = contractsByTopic(options.contracts);
  const supervised = await startSupervisedConsumer({
    kafka: options.kafka,
    groupId: `${options.groupPrefix}-${randomUUID()}`,
    topics: options.contracts.map((contract) => contract.name),
    fromBeginning: false,
    logger,
    onFatal: options.onFatal,
    run: {
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        const inbound = decodeInbound(byTopic, topic, partition, message, logger);
        if (!inbound.ok) {
          logger.warn({ source: `${topic}/${partition}@${message.offset}` }, inbound.why.reason);
          return;
        }
        options.onRecord({ event: inbound.event, topic, partition, offset: message.offset });
      },
    },
  });
  return { isReady: supervised.isReady, stop: () => supervised.stop() };
};
