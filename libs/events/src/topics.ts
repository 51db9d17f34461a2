import type { z } from 'zod';
import {
  rideAnalyticsSummaryEventSchema,
  rideConfirmedEventSchema,
  rideRejectedEventSchema,
  rideRequestedEventSchema,
} from './rides';
import { analyticsStateEventSchema, emailSentEventSchema } from './internal';

/** Settings a topic is created with; replication is decided by the environment at provisioning. */
export interface TopicSettings {
  readonly name: string;
  readonly partitions: number;
  /** Kafka topic configs (`retention.ms`, `cleanup.policy`, ...). */
  readonly config: Readonly<Record<string, string>>;
}

/**
 * A topic together with the schema of what travels on it and how messages are keyed.
 * Messages with the same key land on the same partition, so they are consumed in order.
 */
export interface TopicContract<Schema extends z.ZodType = z.ZodType> extends TopicSettings {
  readonly schema: Schema;
  readonly keyOf: (event: z.infer<Schema>) => string;
  /** Where messages that cannot be decoded or processed are parked, with the reason in headers. */
  readonly deadLetter: TopicSettings;
}

export type EventOf<Contract extends TopicContract> = z.infer<Contract['schema']>;

const DAY_MS = 24 * 60 * 60 * 1000;
const RIDE_PARTITIONS = 6;

const deadLetterOf = (name: string): TopicSettings => ({
  name: `${name}.dlq`,
  partitions: 1,
  config: { 'retention.ms': String(30 * DAY_MS) },
});

const defineTopic = <Schema extends z.ZodType>(
  name: string,
  partitions: number,
  config: Record<string, string>,
  schema: Schema,
  keyOf: (event: z.infer<Schema>) => string,
): TopicContract<Schema> => ({
  name,
  partitions,
  config,
  schema,
  keyOf,
  deadLetter: deadLetterOf(name),
});

const rideRetention = { 'retention.ms': String(7 * DAY_MS) };
const compacted = { 'cleanup.policy': 'compact', 'min.compaction.lag.ms': String(60 * 60 * 1000) };

/**
 * Ride topics are keyed by ride id: all events of one ride share a partition and stay in order,
 * while different rides spread evenly over the partitions.
 */
export const topics = {
  rideRequested: defineTopic(
    'ride_details',
    RIDE_PARTITIONS,
    rideRetention,
    rideRequestedEventSchema,
    (event) => event.payload.rideId,
  ),
  rideConfirmed: defineTopic(
    'ride_confirmed',
    RIDE_PARTITIONS,
    rideRetention,
    rideConfirmedEventSchema,
    (event) => event.payload.rideId,
  ),
  rideRejected: defineTopic(
    'ride_rejected',
    RIDE_PARTITIONS,
    rideRetention,
    rideRejectedEventSchema,
    (event) => event.payload.rideId,
  ),
  /** Keyed by window start: one summary per window, and a re-published window replaces the old. */
  rideAnalytics: defineTopic(
    'ride_analytics',
    1,
    { 'retention.ms': String(30 * DAY_MS) },
    rideAnalyticsSummaryEventSchema,
    (event) => event.payload.windowStart,
  ),
  /**
   * Internal, compacted: which emails were sent, so a redelivered ride is not emailed twice.
   * Co-partitioned with the outcome topics (same key, same partition count, the same default
   * partitioner), so the owner of outcome partition p needs only ledger partition p.
   */
  emailsSent: defineTopic(
    'email_sent',
    RIDE_PARTITIONS,
    // Rides are redelivered only while their topics retain them (7 days): a day more is enough.
    { ...compacted, 'cleanup.policy': 'compact,delete', 'retention.ms': String(8 * DAY_MS) },
    emailSentEventSchema,
    // A ride has one outcome, hence one email: the ride id alone is a unique key.
    (event) => event.payload.rideId,
  ),
  /** Internal, compacted: analytics state per input partition (a changelog, as in Kafka Streams). */
  analyticsState: defineTopic(
    'analytics_state',
    RIDE_PARTITIONS,
    compacted,
    analyticsStateEventSchema,
    (event) => `${event.payload.source.topic}:${event.payload.source.partition}`,
  ),
} as const;

export type TopicKey = keyof typeof topics;
export type Topics = typeof topics;

/**
 * The same contracts with every topic name prefixed, so several environments (or test runs) can
 * share one cluster without seeing each other's messages. An empty prefix gives `topics`.
 */
export const topicsFor = (prefix: string): Topics => {
  if (prefix === '') return topics;
  const renamed = Object.fromEntries(
    Object.entries(topics).map(([key, contract]) => [
      key,
      {
        ...contract,
        name: `${prefix}${contract.name}`,
        deadLetter: { ...contract.deadLetter, name: `${prefix}${contract.deadLetter.name}` },
      },
    ]),
  );
  return renamed as Topics;
};

/** Every topic the system needs, dead-letter topics included, for provisioning. */
export const allTopicSettings = (set: Topics = topics): TopicSettings[] =>
  Object.values(set).flatMap((contract) => [
    { name: contract.name, partitions: contract.partitions, config: contract.config },
    contract.deadLetter,
  ]);
