import type { EachBatchPayload, IHeaders, Kafka, Message } from 'kafkajs';
import { fetchTopicOffsets } from './topic-offsets';
import type { Logger } from 'pino';
import { DLQ_HEADERS, headerText, REDRIVEN_FOR_HEADER } from './dead-letter';
import { nextOffset } from './inbound';

export interface RedriveOptions {
  readonly kafka: Kafka;
  readonly deadLetterTopic: string;
  readonly logger: Logger;
  /** Committed position of the re-drive: each dead letter is re-driven once. */
  readonly groupId?: string;
  /** Only list what would be re-driven; commit nothing. */
  readonly dryRun?: boolean;
}

export interface RedriveReport {
  readonly redriven: number;
  readonly skipped: number;
  readonly byTarget: Record<string, number>;
}

const withoutDeadLetterHeaders = (headers: IHeaders | undefined): IHeaders =>
  Object.fromEntries(
    Object.entries(headers ?? {}).filter(([name]) => !name.startsWith('dlq-')),
  ) as IHeaders;

/**
 * Sends every dead letter that is in the topic now back to the topic it came from (its
 * `dlq-source-topic` header), with its original key, value and headers, once the cause is fixed.
 * Progress is committed in a consumer group, so running it again re-drives only newer letters.
 */
export const redrive = async (options: RedriveOptions): Promise<RedriveReport> => {
  const { kafka, deadLetterTopic, logger, dryRun = false } = options;
  const admin = kafka.admin();
  await admin.connect();
  const groupId = options.groupId ?? `redrive-${deadLetterTopic}`;
  const ends = new Map(
    (await fetchTopicOffsets(admin, deadLetterTopic)).map((p) => [p.partition, BigInt(p.high)]),
  );
  // Where an earlier run stopped: partitions already re-driven to their end fetch nothing.
  const [committed] = await admin.fetchOffsets({ groupId, topics: [deadLetterTopic] });
  const positions = new Map<number, bigint>(
    (committed?.partitions ?? [])
      .filter((p) => BigInt(p.offset) >= 0n)
      .map((p) => [p.partition, BigInt(p.offset)]),
  );
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const byTarget: Record<string, number> = {};
  let skipped = 0;
  const done = () =>
    [...ends].every(([partition, end]) => end === 0n || (positions.get(partition) ?? 0n) >= end);

  await producer.connect();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: deadLetterTopic, fromBeginning: true });
    const finished = new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        positions.set(payload.partition, BigInt(payload.lastOffset) + 1n);
        if (done()) resolve();
      });
      consumer.on(consumer.events.CRASH, ({ payload }) => reject(payload.error));
      if (done()) resolve();
    });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset }: EachBatchPayload) => {
        const end = ends.get(batch.partition) ?? 0n;
        const due = batch.messages.filter((message) => BigInt(message.offset) < end);
        const outgoing: { topic: string; message: Message }[] = [];
        for (const message of due) {
          const target = headerText(message.headers, DLQ_HEADERS.sourceTopic);
          if (!target) {
            skipped += 1;
            logger.warn(
              { offset: message.offset },
              'dead letter without a source topic, left alone',
            );
            continue;
          }
          byTarget[target] = (byTarget[target] ?? 0) + 1;
          logger.info(
            {
              target,
              offset: message.offset,
              reason: headerText(message.headers, DLQ_HEADERS.reason),
            },
            dryRun ? 'would re-drive' : 're-driving',
          );
          outgoing.push({
            topic: target,
            message: {
              key: message.key,
              value: message.value,
              headers: {
                ...withoutDeadLetterHeaders(message.headers),
                'redriven-from': `${deadLetterTopic}/${batch.partition}@${message.offset}`,
                [REDRIVEN_FOR_HEADER]: headerText(message.headers, DLQ_HEADERS.service) ?? '',
              },
            },
          });
        }
        const last = due[due.length - 1];
        if (!last || dryRun) return;
        for (const { topic, message } of outgoing) {
          await producer.send({ topic, acks: -1, messages: [message] });
        }
        resolveOffset(last.offset);
        await consumer.commitOffsets([
          { topic: deadLetterTopic, partition: batch.partition, offset: nextOffset(last.offset) },
        ]);
      },
    });
    await finished;
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
  }
  const redriven = Object.values(byTarget).reduce((a, b) => a + b, 0);
  return { redriven, skipped, byTarget };
};
