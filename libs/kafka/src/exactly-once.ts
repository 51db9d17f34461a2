import type { EachBatchPayload, KafkaMessage, Producer } from 'kafkajs';
import type { TopicContract } from '@taxi/events';
import { committedOffsets } from './admin';
import { kafkajsOf } from './connect';
import type { ExactlyOnceOptions, RunningConsumer } from './consume';
import { deadLetterMessage, errorText, isRedrivenForAnotherService } from './dead-letter';
import { contractsByTopic, decodeInbound, nextOffset } from './inbound';
import { startCommittingMember, type Member } from './member';
import { PartitionStates, type Source } from './partition-state';
import { groupByTopic, messageOf, toOutgoing, type Outgoing } from './publish';
import { processInSpan, startTransactionSpan } from './tracing';

/** Upper bound of one transaction; the broker aborts an abandoned one after this. */
export const TRANSACTION_TIMEOUT_MS = 10_000;

/** What `decide` says of one event: the events to publish, and how its partition's state changes. */
export interface Decision<Change> {
  readonly outputs: readonly Outgoing[];
  readonly change?: Change;
}

const NO_OUTPUTS: readonly Outgoing[] = [];

/**
 * Consume → decide → produce exactly once with Kafka transactions. Each input partition has its
 * own transactional id, so when a partition moves to another instance the new owner's producer
 * fences the old one's (same id, higher epoch): a zombie cannot commit outputs for it any more.
 */
export const runExactlyOnce = async <
  Contract extends TopicContract,
  State,
  Change,
  Changelog extends TopicContract,
  Working extends State,
>(
  options: ExactlyOnceOptions<Contract, State, Change, Changelog, Working>,
): Promise<RunningConsumer<State>> => {
  const { groupId, service, logger, decide } = options;
  const kafka = kafkajsOf(options.kafka);
  const maxPerTransaction = options.maxMessagesPerTransaction ?? 500;
  const byTopic = contractsByTopic(options.contracts);
  const states = options.state && new PartitionStates(options.state, options.kafka, logger);
  // Set once the group is started; batches only run after that.
  const membership: { current?: Member } = {};
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
   *
   * kafkajs's `connect()` does not send that InitProducerId: a transactional producer registers
   * its transactional id at its first `transaction()`. So the new producer begins and aborts an
   * empty transaction first (InitProducerId alone, no EndTxn). That also fences the partition's
   * previous owner before its state is read: without it, a member that lost its session under load
   * could still commit after the read, and the partition was decided again from the state before
   * that commit (the rolling-upgrade test at a load average of 40: 4 rides decided twice, their
   * drivers booked twice; the broker logged each InitProducerId after the restore).
   *
   * The fence completes this partition's transactions only. Another source's transaction open on
   * the same changelog partition can still hide the latest snapshot from a read-committed read, so
   * the restore is checked against the offset the group committed with it (`restore`, issue 23).
   */
  const restoreIfNeeded = async (
    source: Source,
    heartbeat: () => Promise<void>,
  ): Promise<bigint | undefined> => {
    if (!states) return undefined;
    const key = `${source.topic}/${source.partition}`;
    const generation = membership.current?.generation() ?? 0;
    const restored = restoredIn.get(key);
    if (restored?.generation === generation) return restored.covers;
    await dropProducer(source);
    await fence(await producerFor(source));
    // Read after the fence: the offset the last transaction committed with its snapshot.
    const committed = await committedOffsets(options.kafka, groupId, source.topic);
    const covers = await states.restore(source, {
      committed: committed.get(source.partition),
      heartbeat,
    });
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
  const alreadyCommitted = (messages: readonly KafkaMessage[], covers: bigint | undefined) => {
    if (covers === undefined) return 0;
    const first = messages.findIndex((message) => BigInt(message.offset) >= covers);
    return first === -1 ? messages.length : first;
  };

  const transactionalIdOf = (source: Source) =>
    `${options.transactionalIdPrefix}-${source.topic}-${source.partition}`;

  const producerFor = (source: Source): Promise<Producer> => {
    const transactionalId = transactionalIdOf(source);
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

  /** Registers the transactional id now: the coordinator fences every earlier producer of it. */
  const fence = async (producer: Producer) => {
    const empty = await producer.transaction();
    await empty.abort();
  };

  const dropProducer = async (source: Source) => {
    const transactionalId = transactionalIdOf(source);
    const producer = producers.get(transactionalId);
    producers.delete(transactionalId);
    await producer?.then((p) => p.disconnect()).catch(() => undefined);
  };

  /** Decides one message against the open transaction's state: its outputs, or its dead letter. */
  const outputsFor = (source: Source, message: KafkaMessage, working: State | undefined) => {
    const { topic, partition } = source;
    if (isRedrivenForAnotherService(message, service)) return { outputs: NO_OUTPUTS, working };
    const inbound = decodeInbound(byTopic, topic, partition, message, logger);
    let why: { kind: string; reason: string };
    if (inbound.ok) {
      try {
        const decision = processInSpan(topic, partition, groupId, message, () =>
          decide(inbound.event, working as State, inbound.context),
        );
        if (states && decision.change !== undefined)
          return { outputs: decision.outputs, working: states.evolve(source, decision.change) };
        return { outputs: decision.outputs, working };
      } catch (error) {
        inbound.context.logger.error({ err: error }, 'processing failed');
        why = { kind: 'processing_failed', reason: errorText(error) };
      }
    } else {
      why = inbound.why;
    }
    const deadLetterTopic = byTopic.get(topic)?.deadLetter.name ?? `${topic}.dlq`;
    logger.warn(
      { source: `${topic}/${partition}@${message.offset}`, ...why, deadLetterTopic },
      'message dead-lettered',
    );
    const letter = deadLetterMessage({ topic, partition, message }, { ...why, service });
    return { outputs: [toOutgoing(deadLetterTopic, letter)], working };
  };

  const runTransaction = async (
    payload: EachBatchPayload,
    all: readonly KafkaMessage[],
  ): Promise<boolean> => {
    const source = { topic: payload.batch.topic, partition: payload.batch.partition };
    const covers = await restoreIfNeeded(source, payload.heartbeat);
    const producer = await producerFor(source);
    const skipped = alreadyCommitted(all, covers);
    if (skipped > 0) {
      logger.warn(
        { ...source, from: all[0]?.offset, skipped },
        'skipping messages a committed transaction already processed',
      );
      payload.resolveOffset(all[skipped - 1]?.offset as string);
    }
    const messages = all.slice(skipped);
    if (messages.length === 0) return true;
    const transaction = await producer.transaction();
    const traced = startTransactionSpan(source.topic, source.partition, groupId, messages); // tracing
    let working = states?.begin(source) as State | undefined;
    try {
      const outputs: Outgoing[] = [];
      let last: string | undefined;
      for (const message of messages) {
        if (!payload.isRunning() || payload.isStale()) break;
        const decided = outputsFor(source, message, working);
        for (const output of decided.outputs) outputs.push(output);
        working = decided.working;
        last = message.offset;
      }
      if (last === undefined) {
        await transaction.abort();
        states?.aborted(source);
        traced?.end();
        return false;
      }
      const next = nextOffset(last);
      if (states) outputs.push(states.snapshot(source, next));
      if (outputs.length > 0)
        await transaction.sendBatch({
          topicMessages: groupByTopic(
            outputs,
            (output) => output.topic,
            (output) => [messageOf(output)],
          ),
          acks: -1,
        });
      await transaction.sendOffsets({
        consumerGroupId: groupId,
        topics: [
          { topic: source.topic, partitions: [{ partition: source.partition, offset: next }] },
        ],
      });
      await transaction.commit();
      traced?.end();
      states?.committedAt(source, next);
      payload.resolveOffset(last);
      await payload.heartbeat();
      return last === messages[messages.length - 1]?.offset;
    } catch (error) {
      traced?.end(error);
      await transaction.abort().catch(() => undefined);
      states?.aborted(source);
      restoredIn.delete(`${source.topic}/${source.partition}`);
      // A fenced or broken producer is replaced on the next batch.
      await dropProducer(source);
      throw error;
    }
  };

  const eachBatch = async (payload: EachBatchPayload) => {
    const { messages } = payload.batch;
    for (let start = 0; start < messages.length; start += maxPerTransaction) {
      if (membership.current?.isStopping()) return;
      const completed = await runTransaction(
        payload,
        messages.slice(start, start + maxPerTransaction),
      );
      if (!completed) return;
    }
  };

  const member = await startCommittingMember(options, eachBatch);
  membership.current = member;

  return {
    isReady: member.isReady,
    assignment: member.assignment,
    states: () => states?.all() ?? new Map(),
    stop: async () => {
      await member.stop();
      await Promise.all(
        [...producers.values()].map((p) => p.then((x) => x.disconnect()).catch(() => undefined)),
      );
    },
  };
};
