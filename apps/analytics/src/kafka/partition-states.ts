import type { Kafka } from '@taxi/kafka';
import type { Logger } from 'pino';
import {
  decode,
  newEnvelope,
  type AnalyticsPartitionState,
  type AnalyticsStateEvent,
  type Topics,
} from '@taxi/events';
import {
  outgoing,
  partitionStateKey,
  readLatestSnapshot,
  startTable,
  TransactionalStates,
  type PartitionStateHooks,
  type Table,
} from '@taxi/kafka';
import {
  applyOutcome,
  cloneState,
  emptyState,
  type RideOutcomeEvent,
} from '../domain/partition-state';

/**
 * Analytics state per input partition. The committed state of every partition, from every
 * instance, is in the compacted `analytics_state` topic, the state of input partition p in its
 * partition p. A partition's state is restored from the latest snapshot there (read from the
 * tail, so restoring does not slow down as history grows); each instance also follows the whole
 * topic, which is what /stats adds up.
 */
export class PartitionStates implements PartitionStateHooks {
  private readonly states = new TransactionalStates<AnalyticsPartitionState>(
    (committed, topic, partition) => cloneState(committed ?? emptyState(topic, partition)),
  );

  private constructor(
    private readonly kafka: Kafka,
    private readonly table: Table<AnalyticsStateEvent>,
    private readonly topics: Topics,
    private readonly logger: Logger,
  ) {}

  static async start(
    kafka: Kafka,
    topics: Topics,
    logger: Logger,
    onFatal: (error: unknown) => void,
  ): Promise<PartitionStates> {
    const table = await startTable<AnalyticsStateEvent>({
      kafka,
      topic: topics.analyticsState.name,
      logger,
      onFatal,
      parse: (message) => {
        const decoded = decode(topics.analyticsState, message.value);
        return decoded.ok ? decoded.value : undefined;
      },
    });
    return new PartitionStates(kafka, table, topics, logger);
  }

  /** Returns the input offset the restored state covers up to (none: undefined). */
  async restore(topic: string, partition: number): Promise<string | undefined> {
    const snapshot =
      (await readLatestSnapshot(this.kafka, this.topics.analyticsState, topic, partition))
        ?.payload ?? (await this.snapshotFromTable(topic, partition));
    this.states.restored(topic, partition, snapshot ?? emptyState(topic, partition));
    this.logger.info(
      { topic, partition, nextOffset: snapshot?.nextOffset ?? 'none' },
      'analytics state restored',
    );
    return snapshot?.nextOffset;
  }

  /**
   * No snapshot in partition p: none was ever written, or it was written before snapshots went to
   * their source's partition number (keyed only). The table has read the whole topic by then.
   */
  private async snapshotFromTable(topic: string, partition: number) {
    await this.table.catchUp();
    return this.table.get(partitionStateKey(topic, partition))?.payload;
  }

  begin(topic: string, partition: number): void {
    this.states.begin(topic, partition);
  }

  apply(topic: string, partition: number, event: RideOutcomeEvent): void {
    applyOutcome(this.states.open(topic, partition), event);
  }

  end(topic: string, partition: number, nextOffset: string) {
    const state = this.states.draft(topic, partition);
    if (!state) return [];
    state.nextOffset = nextOffset;
    const event: AnalyticsStateEvent = {
      ...newEnvelope('analytics.partition_state', `analytics-${topic}-${partition}`),
      payload: state,
    };
    return [outgoing(this.topics.analyticsState, event, partition)];
  }

  committed(topic: string, partition: number): void {
    this.states.committed(topic, partition);
  }

  aborted(topic: string, partition: number): void {
    this.states.aborted(topic, partition);
  }

  /**
   * The latest committed state of every partition, whichever instance owns it: from the table,
   * or this instance's own when it is newer than what the table has read back yet.
   */
  all(): AnalyticsPartitionState[] {
    const ownStates = this.states.allCommitted();
    const keys = new Set([...ownStates.keys(), ...this.table.keys()]);
    return [...keys].flatMap((key) => {
      const own = ownStates.get(key);
      const shared = this.table.get(key)?.payload;
      if (!own || !shared) return own ?? shared ?? [];
      return BigInt(own.nextOffset) > BigInt(shared.nextOffset) ? own : shared;
    });
  }

  stop(): Promise<void> {
    return this.table.stop();
  }
}
