import type { IHeaders, Message } from 'kafkajs';
import type { Logger } from 'pino';
import { commitGroupOffsets, committedOffsets } from './admin';
import { kafkajsOf, type KafkaClient } from './connect';
import { DLQ_HEADERS, REDRIVEN_FOR_HEADER } from './dead-letter';
import { read, type KafkaRecord } from './read';

export interface RedriveOptions {
  readonly kafka: KafkaClient;
  readonly deadLetterTopic: string;
  readonly logger: Logger;
  /** Where the re-drive records how far it got: each dead letter is re-driven once. */
  readonly groupId?: string;
  /** Only list what would be re-driven; record nothing. */
  readonly dryRun?: boolean;
}

export interface RedriveReport {
  readonly redriven: number;
  readonly skipped: number;
  readonly byTarget: Record<string, number>;
}

const text = (record: KafkaRecord, name: string): string | undefined =>
  record.headers[name]?.toString();

/** The original headers, without the dead-letter ones, and where it was re-driven from and for. */
const redrivenHeaders = (record: KafkaRecord): IHeaders => {
  const headers: IHeaders = {};
  for (const [name, value] of Object.entries(record.headers))
    if (!name.startsWith('dlq-')) headers[name] = value;
  headers['redriven-from'] = `${record.topic}/${record.partition}@${record.offset}`;
  headers[REDRIVEN_FOR_HEADER] = text(record, DLQ_HEADERS.service) ?? '';
  return headers;
};

/**
 * Sends every dead letter that is in the topic now back to the topic it came from (its
 * `dlq-source-topic` header), with its original key, value and headers, once the cause is fixed.
 * Only the service that dead-lettered it processes it again (`redriven-for`). How far it got is
 * committed to a consumer group of its own after each batch, so running it again re-drives only
 * newer letters.
 */
export const redrive = async (options: RedriveOptions): Promise<RedriveReport> => {
  const { kafka, deadLetterTopic, logger, dryRun = false } = options;
  const groupId = options.groupId ?? `redrive-${deadLetterTopic}`;
  const committed = await committedOffsets(kafka, groupId, deadLetterTopic);
  const producer = kafkajsOf(kafka).producer({ idempotent: true, maxInFlightRequests: 1 });
  const byTarget: Record<string, number> = {};
  let skipped = 0;

  await producer.connect();
  try {
    const reader = await read({
      kafka,
      logger,
      topics: [deadLetterTopic],
      from: {
        positions: [...committed].map(([partition, nextOffset]) => ({
          topic: deadLetterTopic,
          partition,
          nextOffset,
        })),
      },
      until: 'end-at-start',
      groupPrefix: `${groupId}-reader`,
      onBatch: async ({ partition, records, nextOffset }) => {
        const outgoing: { topic: string; message: Message }[] = [];
        for (const record of records) {
          const target = text(record, DLQ_HEADERS.sourceTopic);
          if (!target) {
            skipped += 1;
            logger.warn(
              { offset: record.offset },
              'dead letter without a source topic, left alone',
            );
            continue;
          }
          byTarget[target] = (byTarget[target] ?? 0) + 1;
          logger.info(
            { target, offset: record.offset, reason: text(record, DLQ_HEADERS.reason) },
            dryRun ? 'would re-drive' : 're-driving',
          );
          const message = {
            key: record.key,
            value: record.value,
            headers: redrivenHeaders(record),
          };
          outgoing.push({ topic: target, message });
        }
        if (dryRun || records.length === 0) return;
        for (const { topic, message } of outgoing) {
          await producer.send({ topic, acks: -1, messages: [message] });
        }
        await commitGroupOffsets(kafka, groupId, deadLetterTopic, [
          { partition, offset: nextOffset },
        ]);
      },
    });
    await reader.done;
  } finally {
    await producer.disconnect();
  }
  const redriven = Object.values(byTarget).reduce((a, b) => a + b, 0);
  return { redriven, skipped, byTarget };
};
