import type { Kafka } from '@taxi/kafka';
import type { Logger } from 'pino';
import {
  decode,
  newEnvelope,
  type AnalyticsPartitionState,
  type AnalyticsStateEvent,
  type Topics,
} from '@taxi/events';
import { outgoing, startTable, type PartitionStateHooks, type Table } from '@taxi/kafka';
import {
  applyOutcome,
  cloneState,
  emptyState,
  type RideOutcomeEvent,
} from '../domain/partition-state';

const keyOf = (topic: string, partition: number) => `${topic}:${partition}`;

/**
 * Analytics state per input partition. The committed state of every partition, from every
 * instance, is in the compacted `analytics_state` topic, which each instance reads whole: that is
 * where a partition's state is restored from, and what /stats adds up.
 */
export class PartitionStates implements PartitionStateHooks {
  private readonly committedStates = new Map<string, AnalyticsPartitionState>();
  private readonly pending = new Map<string, AnalyticsPartitionState>();

  private constructor(
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
    return new PartitionStates(table, topics, logger);
  }

  async restore(topic: string, partition: number): Promise<void> {
    await this.table.catchUp();
    const snapshot = this.table.get(keyOf(topic, partition))?.payload;
    this.committedStates.set(keyOf(topic, partition), snapshot ?? emptyState(topic, partition));
    this.logger.info(
      { topic, partition, nextOffset: snapshot?.nextOffset ?? 'none' },
      'analytics state restored',
    );
  }

  begin(topic: string, partition: number): void {
    const committed =
      this.committedStates.get(keyOf(topic, partition)) ?? emptyState(topic, partition);
    this.pending.set(keyOf(topic, partition), cloneState(committed));
  }

  apply(topic: string, partition: number, event: RideOutcomeEvent): void {
    const state = this.pending.get(keyOf(topic, partition));
    if (!state) throw new Error(`no transaction open for ${topic}/${partition}`);
    applyOutcome(state, event);
  }

  end(topic: string, partition: number, nextOffset: string) {
    const state = this.pending.get(keyOf(topic, partition));
    if (!state) return [];
    state.nextOffset = nextOffset;
    const event: AnalyticsStateEvent = {
      ...newEnvelope('analytics.partition_state', `analytics-${topic}-${partition}`),
      payload: state,
    };
    return [outgoing(this.topics.analyticsState, event)];
  }

  committed(topic: string, partition: number): void {
    const state = this.pending.get(keyOf(topic, partition));
    if (state) this.committedStates.set(keyOf(topic, partition), state);
    this.pending.delete(keyOf(topic, partition));
  }

  aborted(topic: string, partition: number): void {
    this.pending.delete(keyOf(topic, partition));
  }

  /**
   * The latest committed state of every partition, whichever instance owns it: from the table,
   * or this instance's own when it is newer than what the table has read back yet.
   */
  all(): AnalyticsPartitionState[] {
    const keys = new Set([...this.committedStates.keys(), ...this.table.keys()]);
    return [...keys].flatMap((key) => {
      const own = this.committedStates.get(key);
      const shared = this.table.get(key)?.payload;
      if (!own || !shared) return own ?? shared ?? [];
      return BigInt(own.nextOffset) > BigInt(shared.nextOffset) ? own : shared;
    });
  }

  stop(): Promise<void> {
    return this.table.stop();
  }
}
