import type { Logger } from 'pino';
import type { EventOf, TopicContract } from '@taxi/events';
import type { PartitionCountStatus } from './partition-count-guard';
import type { KafkaClient } from './connect';
import { runAtLeastOnce, type BatchHandler } from './at-least-once';
import { runExactlyOnce, type Decision } from './exactly-once';
import type { MessageContext } from './inbound';
import type { Assignment, FetchSettings, OnLag } from './member';
import type { CommittedState, PartitionState } from './partition-state';
import type { RetryPolicy } from './retry';

interface ConsumeOptionsBase<Contract extends TopicContract> {
  readonly kafka: KafkaClient;
  readonly groupId: string;
  readonly contracts: readonly Contract[];
  /** Named in dead-letter headers and re-drive targets. */
  readonly service: string;
  readonly logger: Logger;
  /** Called when the consumer has stopped for good (not Kafka's fault): the service should exit. */
  readonly onFatal: (error: unknown) => void;
  /** Partitions processed in parallel, so one slow partition does not hold up the others. */
  readonly partitionsConsumedConcurrently?: number;
  /** How long the group waits for a silent member before giving its partitions to others. */
  readonly sessionTimeoutMs?: number;
  /** Reports consumer lag per partition after each batch (for a metric). */
  readonly onLag?: OnLag;
  /** How much a fetch brings; default BATCH_FIRST_FETCH. */
  readonly fetch?: FetchSettings;
  /**
   * Awaited before the first batch after each (re)join of the group, with the partitions now
   * owned, e.g. to restore what their previous owner recorded.
   */
  readonly onAssigned?: (assignment: Assignment) => Promise<void>;
  /**
   * The topics (full names) whose partition p belong together: the inputs and their changelog or
   * ledger. While their partition counts differ, the partitions at or above the smallest count are
   * left alone, one line says what to run (`taxi topics grow`), and `partitionCountStatus()` says why;
   * they are taken once the counts agree (partition-count-guard.ts, ADR 038).
   */
  readonly partitionCountGuard?: readonly string[];
}

/**
 * At least once: a batch's offsets are committed once its handler is done with it (or its poison
 * dead-lettered), so a crash redoes at most the batches in hand. Handlers must be idempotent.
 */
export interface AtLeastOnceOptions<
  Contract extends TopicContract,
> extends ConsumeOptionsBase<Contract> {
  readonly mode: 'at-least-once';
  /** Does the work for a batch of one partition's events; `eachMessage` adapts a per-event one. */
  readonly handle: BatchHandler<Contract>;
  /** Most messages handed to `handle` at once: also what a crash can make it redo. */
  readonly maxBatchSize: number;
  /** Failed entries are retried with backoff, then dead-lettered. Default: 5 tries. */
  readonly retry?: RetryPolicy;
  /** Errors this says no to are dead-lettered at once. Default: every error is retried. */
  readonly isRetriable?: (error: unknown) => boolean;
}

/**
 * Exactly once: each transaction publishes a batch's outputs, the partition's state snapshot and
 * the consumed offsets together, with one transactional producer per input partition (ADR 004).
 */
export interface ExactlyOnceOptions<
  Contract extends TopicContract,
  State,
  Change,
  Changelog extends TopicContract,
  Working extends State,
> extends ConsumeOptionsBase<Contract> {
  readonly mode: 'exactly-once';
  /**
   * One transactional producer per input partition: `<prefix>-<topic>-<partition>`; with
   * `coPartitioned`, one per partition number: `<prefix>-<partition>`.
   */
  readonly transactionalIdPrefix: string;
  /**
   * The inputs are co-partitioned (ADR 038): partition p of every topic in `contracts` shares one
   * state (the first topic's, `<first topic>:<p>`) and one transactional producer, so a
   * transaction of either commits its offsets with the outputs and the state's snapshot, which
   * records the position in each input. The group deals partition numbers: each member gets the
   * same numbers of every topic. Every member of the group must say so.
   */
  readonly coPartitioned?: boolean;
  /** Messages per transaction at most (default 500); a larger batch spans several. */
  readonly maxMessagesPerTransaction?: number;
  /** State per input partition, changelog-backed; without it `decide` gets `undefined`. */
  readonly state?: PartitionState<State, Change, Changelog, Working>;
  /**
   * Decides one event against its partition's state: the events to publish, and the change the
   * lib applies to the state when the transaction commits. Throwing dead-letters the event
   * (inside the same transaction).
   */
  readonly decide: (
    event: EventOf<Contract>,
    state: State,
    context: MessageContext,
  ) => Decision<Change>;
}

export interface RunningConsumer<State = never> {
  /** True while a member of its group with partitions assigned or waiting. */
  isReady(): boolean;
  /** The partitions this member owns, by topic, as of its last join. */
  assignment(): Assignment;
  /** Whether every owned partition is taken, or why some are left alone (`partitionCountGuard`). */
  partitionCountStatus(): PartitionCountStatus;
  /**
   * Exactly once with state: the committed state of every input partition this member has held,
   * by `<topic>:<partition>`, with the offset it covers up to.
   */
  states(): ReadonlyMap<string, CommittedState<State>>;
  /** Stops fetching, lets the batches in hand finish and commit, leaves the group. */
  stop(): Promise<void>;
}

/** Runs a consumer group member that commits what it processed, at least or exactly once. */
export function consume<Contract extends TopicContract>(
  options: AtLeastOnceOptions<Contract>,
): Promise<RunningConsumer>;
export function consume<
  Contract extends TopicContract,
  State = undefined,
  Change = never,
  Changelog extends TopicContract = TopicContract,
  Working extends State = State,
>(
  options: ExactlyOnceOptions<Contract, State, Change, Changelog, Working>,
): Promise<RunningConsumer<State>>;
export function consume<
  Contract extends TopicContract,
  State,
  Change,
  Changelog extends TopicContract,
  Working extends State,
>(
  options:
    AtLeastOnceOptions<Contract> | ExactlyOnceOptions<Contract, State, Change, Changelog, Working>,
): Promise<RunningConsumer<State>> {
  return options.mode === 'at-least-once'
    ? (runAtLeastOnce(options) as Promise<RunningConsumer<State>>)
    : runExactlyOnce(options);
}
