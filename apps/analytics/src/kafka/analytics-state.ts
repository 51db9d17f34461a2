import type { Logger } from 'pino';
import {
  newEnvelope,
  type AnalyticsPartitionState,
  type AnalyticsStateEvent,
  type Topics,
} from '@taxi/events';
import {
  read,
  stateKey,
  type CommittedState,
  type KafkaClient,
  type PartitionState,
} from '@taxi/kafka';
import {
  applyOutcome,
  cloneState,
  emptyState,
  upcastState,
  type RideOutcomeEvent,
} from '../domain/partition-state';

/**
 * Analytics state per input partition, as the exactly-once consumer keeps it: each transaction
 * counts its outcomes into its own copy and writes the copy to `analytics_state` partition p with
 * the consumed offsets; a partition taken over is restored from its latest snapshot there (ADR 006,
 * 009).
 */
export const analyticsState = (
  topics: Topics,
): PartitionState<AnalyticsPartitionState, RideOutcomeEvent, Topics['analyticsState']> => ({
  changelog: topics.analyticsState,
  initial: (source) => emptyState(source.topic, source.partition),
  copy: cloneState,
  evolve: (state, outcome) => {
    applyOutcome(state, outcome);
    return state;
  },
  toSnapshot: (state, source, nextOffset): AnalyticsStateEvent => ({
    ...newEnvelope('analytics.partition_state', `analytics-${source.topic}-${source.partition}`),
    payload: { ...state, nextOffset },
  }),
  fromSnapshot: (snapshot) => upcastState(snapshot.payload),
});

export interface AllStates {
  /** The latest committed state of every partition, whichever instance owns it. */
  all(): AnalyticsPartitionState[];
  stop(): Promise<void>;
}

/**
 * Every partition's committed state, from every instance: the whole `analytics_state` topic, read
 * and followed, or this instance's own state when it is newer than what the topic has shown yet.
 * What /stats and the summaries add up.
 */
export const followAllStates = async (deps: {
  kafka: KafkaClient;
  topics: Topics;
  own: () => ReadonlyMap<string, CommittedState<AnalyticsPartitionState>>;
  logger: Logger;
  onFatal: (error: unknown) => void;
}): Promise<AllStates> => {
  const shared = new Map<string, AnalyticsPartitionState>();
  const reader = await read({
    kafka: deps.kafka,
    contracts: [deps.topics.analyticsState],
    from: 'beginning',
    until: 'following',
    groupPrefix: 'analytics-states',
    logger: deps.logger,
    onFatal: deps.onFatal,
    onBatch: ({ records }) => {
      for (const { event } of records)
        shared.set(stateKey(event.payload.source), upcastState(event.payload));
    },
  });
  return {
    all: () => {
      const own = deps.own();
      const keys = new Set([...own.keys(), ...shared.keys()]);
      return [...keys].flatMap((key) => {
        const mine = own.get(key);
        const theirs = shared.get(key);
        if (!mine || !theirs) return mine?.state ?? theirs ?? [];
        return BigInt(mine.nextOffset) > BigInt(theirs.nextOffset) ? mine.state : theirs;
      });
    },
    stop: () => reader.stop(),
  };
};
