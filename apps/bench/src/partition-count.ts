import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { allTopicSettings, topicsFor } from '@taxi/events';
import { connect, ensureTopics } from '@taxi/kafka';
import type { StackOptions } from '@taxi/stack-harness';

/** The contract's count of the ride topics (ride_details, dispatch, fleet_state, outcomes, ...). */
export const CONTRACT_PARTITIONS = topicsFor('').rideRequested.partitions;

/**
 * The stack options for a run on `partitions` partitions: with the contract's count, none (the
 * services make their topics). With another, a fresh prefix whose topics are made first, every
 * topic of the contract's count with `partitions` instead, as `taxi topics grow` leaves them (the
 * scale-out fault test does the same). Drivers are dealt over the genesis 6 (ADR 038), and each of
 * those partitions hands the ones from 6 their share on its first input, as after a growth.
 */
export const stackWithPartitions = async (
  brokers: string,
  partitions: number,
  replication: { replicationFactor: number; minInSyncReplicas: number },
): Promise<Pick<StackOptions, 'prefix'>> => {
  if (partitions === CONTRACT_PARTITIONS) return {};
  const prefix = `bench-p${partitions}-${randomUUID().slice(0, 8)}.`;
  const logger = pino({ level: 'error' });
  const kafka = connect({ brokers: brokers.split(','), clientId: 'bench' }, logger);
  const settings = allTopicSettings(topicsFor(prefix)).map((topic) =>
    topic.partitions === CONTRACT_PARTITIONS ? { ...topic, partitions } : topic,
  );
  await ensureTopics(kafka, settings, replication, logger);
  return { prefix };
};
