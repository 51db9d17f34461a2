import type { EachBatchPayload, KafkaMessage, Producer } from 'kafkajs';
import type { TopicContract } from '@taxi/events';
import { committedOffsets } from './admin';
import { kafkajsOf } from './connect';
import type { ExactlyOnceOptions, RunningConsumer } from './consume';
import { deadLetterMessage, errorText, isRedrivenForAnotherService } from './dead-letter';
import { contractsByTopic, decodeInbound, nextOffset } from './inbound';
import { coPartitionedAssigner } from './co-partitioned';
import { startCommittingMember, type Member } from './member';
import { PartitionStates, type Source } from './partition-state';
import { groupByTopic, inParts, messageOf, toOutgoing, type Outgoing } from './publish';
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
  const coPartitioned = options.coPartitioned === true;
  const primaryTopic = options.contracts[0]?.name ?? '';
  // Set once the group is started; batches only run after that.
  const membership: { current?: Member } = {};
  const producers = new Map<string, Promise<Producer>>();
  /**
   * Per state (an input partition, or a partition number of co-partitioned inputs): the
   * generation it was restored in.
   */
  const restoredIn = new Map<string, number>();

  /**
   * The state an input partition belongs to, which also names its transactional id: its own, or
   * with co-partitioned inputs, partition p of the first input's, shared by partition p of each.
   */
  const stateSourceOf = (source: Source): Source =>
    coPartitioned ? { topic: primaryTopic, partition: source.partition } : source;

  /**
   * One transaction at a time per state: co-partitioned inputs' batches of one partition number
   * run one after the other (one producer, one working copy of the state).
   */
  const turns = new Map<string, Promise<unknown>>();
  const inTurn = <T>(state: Source, work: () => Promise<T>): Promise<T> => {
    const key = `${state.topic}/${state.partition}`;
    const previous = turns.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    turns.set(key, next);
    void next
      .finally(() => {
        if (turns.get(key) === next) turns.delete(key);
      })
      .catch(() => undefined);
    return next;
  };

  /** The inputs a state covers: its source, or with co-partitioned inputs, partition p of each. */
  const inputTopicsOf = (state: Source): readonly string[] =>
    coPartitioned ? options.contracts.map((contract) => contract.name) : [state.topic];

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
  const restoreIfNeeded = async (state: Source, heartbeat: () => Promise<void>): Promise<void> => {
    if (!states) return;
    const key = `${state.topic}/${state.partition}`;
    const generation = membership.current?.generation() ?? 0;
    if (restoredIn.get(key) === generation) return;
    await dropProducer(state);
    await fence(await producerFor(state));
    // Read after the fence: the offsets the last transaction committed with its snapshot.
    const committed: Record<string, string | undefined> = {};
    for (const topic of inputTopicsOf(state))
      committed[topic] = (await committedOffsets(options.kafka, groupId, topic)).get(
        state.partition,
      );
    await states.restore(state, { committed, heartbeat });
    restoredIn.set(key, generation);
  };

  /**
   * Where the state's last commit stands in `topic`: the restored snapshot's position, moved on by
   * every commit since. Not only the restore's: a batch fetched in one generation and handled in
   * the next restores and commits, and the next generation's batches, fetched from the offsets
   * committed before that commit, bring its messages again (a forward handled twice sends a ride
   * on twice; the duplicate guard of a ride passed on cannot tell).
   */
  const committedPosition = (state: Source, topic: string): bigint | undefined => {
    const at = states?.committedPositions(state)[topic];
    return at === undefined ? undefined : BigInt(at);
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

  /** `<prefix>-<topic>-<p>`; co-partitioned, `<prefix>-<p>`: one producer for partition p of each. */
  const transactionalIdOf = (state: Source) =>
    coPartitioned
      ? `${options.transactionalIdPrefix}-${state.partition}`
      : `${options.transactionalIdPrefix}-${state.topic}-${state.partition}`;

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
  const outputsFor = (
    source: Source,
    state: Source,
    message: KafkaMessage,
    working: State | undefined,
  ) => {
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
          return { outputs: decision.outputs, working: states.evolve(state, decision.change) };
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
    return inTurn(stateSourceOf(source), () => transactionOf(payload, source, all));
  };

  const transactionOf = async (
    payload: EachBatchPayload,
    source: Source,
    all: readonly KafkaMessage[],
  ): Promise<boolean> => {
    const state = stateSourceOf(source);
    await restoreIfNeeded(state, payload.heartbeat);
    const producer = await producerFor(state);
    const skipped = alreadyCommitted(all, committedPosition(state, source.topic));
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
    let working = states?.begin(state) as State | undefined;
    try {
      const outputs: Outgoing[] = [];
      let last: string | undefined;
      for (const message of messages) {
        if (!payload.isRunning() || payload.isStale()) break;
        const decided = outputsFor(source, state, message, working);
        for (const output of decided.outputs) outputs.push(output);
        working = decided.working;
        last = message.offset;
      }
      if (last === undefined) {
        await transaction.abort();
        states?.aborted(state);
        traced?.end();
        return false;
      }
      const next = nextOffset(last);
      const positions = states?.positionsAfter(state, source.topic, next);
      if (states && positions) outputs.push(states.snapshot(state, positions));
      // In parts: one partition's record batch must stay under the broker's limit (SEND_BYTES).
      for (const part of inParts(outputs, messageOf))
        await transaction.sendBatch({
          topicMessages: groupByTopic(
            part,
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
      if (positions) states?.committedAt(state, positions);
      payload.resolveOffset(last);
      await payload.heartbeat();
      return last === messages[messages.length - 1]?.offset;
    } catch (error) {
      traced?.end(error);
      await transaction.abort().catch(() => undefined);
      states?.aborted(state);
      restoredIn.delete(`${state.topic}/${state.partition}`);
      // A fenced or broken producer is replaced on the next batch.
      await dropProducer(state);
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

  const member = await startCommittingMember(
    coPartitioned ? { ...options, partitionAssigners: [coPartitionedAssigner()] } : options,
    eachBatch,
  );
  membership.current = member;

  return {
    isReady: member.isReady,
    assignment: member.assignment,
    partitionCountStatus: member.partitionCountStatus,
    states: () => states?.all() ?? new Map(),
    stop: async () => {
      await member.stop();
      await Promise.all(
        [...producers.values()].map((p) => p.then((x) => x.disconnect()).catch(() => undefined)),
      );
    },
  };
};
