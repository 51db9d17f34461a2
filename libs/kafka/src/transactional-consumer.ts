import type { EachBatchPayload, Kafka, Message, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { EventOf, TopicContract } from '@taxi/events';
import { errorText, type RunningConsumer } from './consumer';
import { deadLetterMessage, isRedrivenForAnotherService } from './dead-letter';
import { contractsByTopic, decodeInbound, nextOffset, type MessageContext } from './inbound';
import { encodeAll, groupByTopic } from './publisher';
import { processInSpan, startTransactionSpan } from './tracing';
import {
  startManualCommitMember,
  type FetchSettings,
  type OnLag,
  type SupervisedConsumer,
} from './supervised-consumer';

/** Upper bound of one transaction; the broker aborts an abandoned one after this. */
export const TRANSACTION_TIMEOUT_MS = 10_000;

/** An event ready to publish: validated and encoded against its contract. */
export interface Outgoing {
  readonly topic: string;
  readonly message: Message;
}

/** `partition` pins the message (a changelog written to its source's partition number). */
export const outgoing = <Contract extends TopicContract>(
  contract: Contract,
  event: EventOf<Contract>,
  partition?: number,
): Outgoing => {
  const message = encodeAll(contract, [event])[0] as Message;
  return {
    topic: contract.name,
    message: partition === undefined ? message : { ...message, partition },
  };
};

/**
 * For stateful processors (a Kafka Streams-like changelog): state per input partition, restored
 * when a partition is taken over and written in the same transaction as the consumed offsets.
 */
export interface PartitionStateHooks {
  /**
   * Awaited before the first transaction of a partition after each (re)join or failed
   * transaction, once the partition's producer has fenced any earlier owner and completed its
   * last transaction: restore the partition's state here, and return the input offset it covers
   * up to (the snapshot's `nextOffset`; undefined when there is none). Messages below it were
   * processed by a committed transaction and are skipped.
   */
  restore(topic: string, partition: number): Promise<string | undefined>;
  /** A transaction starts: work on a copy of the partition's committed state. */
  begin(topic: string, partition: number): void;
  /** Extra outputs at the end of the transaction (the state snapshot at `nextOffset`). */
  end(topic: string, partition: number, nextOffset: string): readonly Outgoing[];
  /** The transaction committed: the copy becomes the committed state. */
  committed(topic: string, partition: number): void;
  /** The transaction aborted: the copy is dropped. */
  aborted(topic: string, partition: number): void;
}

export interface TransactionalConsumerOptions<Contract extends TopicContract> {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly contracts: readonly Contract[];
  readonly service: string;
  readonly logger: Logger;
  /** One transactional producer per input partition: `<prefix>-<topic>-<partition>`. */
  readonly transactionalIdPrefix: string;
  /**
   * Turns one event into the events to publish. Its outputs and the consumed offset are committed
   * in one Kafka transaction, so each input yields its outputs exactly once. Throwing
   * dead-letters the input (inside the same transaction).
   */
  readonly process: (event: EventOf<Contract>, context: MessageContext) => readonly Outgoing[];
  readonly partitionsConsumedConcurrently?: number;
  /** Messages per transaction at most; a larger batch spans several transactions. */
  readonly maxMessagesPerTransaction?: number;
  readonly onFatal: (error: unknown) => void;
  readonly state?: PartitionStateHooks;
  /** How long the group waits for a silent member before giving its partitions to others. */
  readonly sessionTimeoutMs?: number;
  /** Reports consumer lag per partition after each batch (for a metric). */
  readonly onLag?: OnLag;
  /** How much a fetch brings; default BATCH_FIRST_FETCH. */
  readonly fetch?: FetchSettings;
}

/**
 * Consume → process → produce exactly once with Kafka transactions. Each input partition has its
 * own transactional id, so when a partition moves to another instance the new owner's producer
 * fences the old one's (same id, higher epoch): a zombie cannot commit outputs for it any more.
 */
export const startTransactionalConsumer = async <Contract extends TopicContract>(
  options: TransactionalConsumerOptions<Contract>,
): Promise<RunningConsumer> => {
  const { kafka, groupId, service, logger, process } = options;
  const maxPerTransaction = options.maxMessagesPerTransaction ?? 500;
  const byTopic = contractsByTopic(options.contracts);
  // Set once the group is started; batches only run after that.
  const membership: { current?: SupervisedConsumer } = {};
  const producers = new Map<string, Promise<Producer>>();
  /** Per partition: the generation its state was restored in, and the offset that state covers. */
  const restoredIn = new Map<string, { generation: number; covers?: bigint }>();

  /**
   * The offset below which the partition's restored state already holds every message.
   *
   * Before reading the state back, the partition gets a new producer: its InitProducerId returns
   * only once the coordinator has completed the transactional id's last transaction, markers
   * written. A broker that stopped after acknowledging a commit completes it some time after it
   * restarts; until then the snapshot it wrote (and its consumed offsets) cannot be read
   * committed, and a restore reading then got the snapshot before it (the broker-outage fault
   * test: 11 rides decided twice in one run, analytics 9 rides short in another). A producer kept
   * from before the outage had no such wait.
   */
  const restoreIfNeeded = async (topic: string, partition: number): Promise<bigint | undefined> => {
    if (!options.state) return undefined;
    const key = `${topic}/${partition}`;
    const generation = membership.current?.generation() ?? 0;
    const restored = restoredIn.get(key);
    if (restored?.generation === generation) return restored.covers;
    await dropProducer(topic, partition);
    await producerFor(topic, partition);
    const covers = await options.state.restore(topic, partition);
    const entry = { generation, covers: covers === undefined ? undefined : BigInt(covers) };
    restoredIn.set(key, entry);
    return entry.covers;
  };

  /**
   * kafkajs cannot ask for stable offsets (KIP-447): a member that joins while the broker is still
   * completing the last transaction of a partition (after a broker restart, say) is handed the
   * offset from before it, and fetches again messages that transaction committed. The state
   * restored with the same transaction knows better; the duplicate guard of the state itself
   * (transaction's last 256 rides) is too short for a batch of 430.
   */
  const alreadyCommitted = (
    messages: EachBatchPayload['batch']['messages'],
    covers: bigint | undefined,
  ): number => {
    if (covers === undefined) return 0;
    const first = messages.findIndex((message) => BigInt(message.offset) >= covers);
    return first === -1 ? messages.length : first;
  };

  const producerFor = (topic: string, partition: number): Promise<Producer> => {
    const transactionalId = `${options.transactionalIdPrefix}-${topic}-${partition}`;
    let producer = producers.get(transactionalId);
    if (!producer) {
      const created = kafka.producer({
        transactionalId,
        idempotent: true,
        maxInFlightRequests: 1,
        // Our transactions last milliseconds. One left open by a process that died (or lost the
        // broker) holds back read-committed readers until it times out: keep that short.
        transactionTimeout: TRANSACTION_TIMEOUT_MS,
      });
      producer = created.connect().then(() => created);
      producer.catch(() => producers.delete(transactionalId));
      producers.set(transactionalId, producer);
    }
    return producer;
  };

  const dropProducer = async (topic: string, partition: number) => {
    const transactionalId = `${options.transactionalIdPrefix}-${topic}-${partition}`;
    const producer = producers.get(transactionalId);
    producers.delete(transactionalId);
    await producer?.then((p) => p.disconnect()).catch(() => undefined);
  };

  const outputsFor = (
    topic: string,
    partition: number,
    message: EachBatchPayload['batch']['messages'][number],
  ): readonly Outgoing[] => {
    if (isRedrivenForAnotherService(message, service)) return [];
    const inbound = decodeInbound(byTopic, topic, partition, message, logger);
    const contract = byTopic.get(topic);
    const deadLetterTopic = contract ? contract.deadLetter.name : `${topic}.dlq`;
    const why = (() => {
      if (!inbound.ok) return inbound.why;
      try {
        return processInSpan(topic, partition, groupId, message, () =>
          process(inbound.event, inbound.context),
        );
      } catch (error) {
        inbound.context.logger.error({ err: error }, 'processing failed');
        return { kind: 'processing_failed', reason: errorText(error) };
      }
    })();
    if (Array.isArray(why)) return why;
    const reason = why as { kind: string; reason: string };
    logger.warn(
      { source: `${topic}/${partition}@${message.offset}`, ...reason, deadLetterTopic },
      'message dead-lettered',
    );
    return [
      {
        topic: deadLetterTopic,
        message: deadLetterMessage({ topic, partition, message }, { ...reason, service }),
      },
    ];
  };

  const runTransaction = async (
    payload: EachBatchPayload,
    all: EachBatchPayload['batch']['messages'],
  ): Promise<boolean> => {
    const { batch } = payload;
    const covers = await restoreIfNeeded(batch.topic, batch.partition);
    const producer = await producerFor(batch.topic, batch.partition);
    const skipped = alreadyCommitted(all, covers);
    if (skipped > 0) {
      logger.warn(
        { topic: batch.topic, partition: batch.partition, from: all[0]?.offset, skipped },
        'skipping messages a committed transaction already processed',
      );
      payload.resolveOffset(all[skipped - 1]?.offset as string);
    }
    const messages = all.slice(skipped);
    if (messages.length === 0) return true;
    const transaction = await producer.transaction();
    const traced = startTransactionSpan(batch.topic, batch.partition, groupId, messages); // tracing
    options.state?.begin(batch.topic, batch.partition);
    try {
      const outputs: Outgoing[] = [];
      let last: string | undefined;
      for (const message of messages) {
        if (!payload.isRunning() || payload.isStale()) break;
        outputs.push(...outputsFor(batch.topic, batch.partition, message));
        last = message.offset;
      }
      if (last === undefined) {
        await transaction.abort();
        options.state?.aborted(batch.topic, batch.partition);
        traced?.end();
        return false;
      }
      outputs.push(...(options.state?.end(batch.topic, batch.partition, nextOffset(last)) ?? []));
      if (outputs.length > 0)
        await transaction.sendBatch({
          topicMessages: groupByTopic(
            outputs,
            (output) => output.topic,
            (output) => [output.message],
          ),
          acks: -1,
        });
      await transaction.sendOffsets({
        consumerGroupId: groupId,
        topics: [
          {
            topic: batch.topic,
            partitions: [{ partition: batch.partition, offset: nextOffset(last) }],
          },
        ],
      });
      await transaction.commit();
      traced?.end();
      options.state?.committed(batch.topic, batch.partition);
      payload.resolveOffset(last);
      await payload.heartbeat();
      return last === messages[messages.length - 1]?.offset;
    } catch (error) {
      traced?.end(error);
      await transaction.abort().catch(() => undefined);
      options.state?.aborted(batch.topic, batch.partition);
      restoredIn.delete(`${batch.topic}/${batch.partition}`);
      // A fenced or broken producer is replaced on the next batch.
      await dropProducer(batch.topic, batch.partition);
      throw error;
    }
  };

  const eachBatch = async (payload: EachBatchPayload) => {
    const { messages } = payload.batch;
    for (let start = 0; start < messages.length; start += maxPerTransaction) {
      const completed = await runTransaction(
        payload,
        messages.slice(start, start + maxPerTransaction),
      );
      if (!completed) return;
    }
  };

  const supervised = await startManualCommitMember({
    kafka,
    groupId,
    contracts: options.contracts,
    logger,
    sessionTimeoutMs: options.sessionTimeoutMs,
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
    onFatal: options.onFatal,
    onLag: options.onLag,
    fetch: options.fetch,
    eachBatch,
  });
  membership.current = supervised;

  return {
    isReady: supervised.isReady,
    assignment: supervised.assignment,
    stop: async () => {
      await supervised.stop();
      await Promise.all(
        [...producers.values()].map((p) => p.then((x) => x.disconnect()).catch(() => undefined)),
      );
    },
  };
};
