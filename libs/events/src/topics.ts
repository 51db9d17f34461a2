import type { z } from 'zod';
import {
  rideAnalyticsSummaryEventSchema,
  rideConfirmedEventSchema,
  rideRejectedEventSchema,
  rideRequestedEventSchema,
} from './rides';
import { dispatchEventSchema } from './dispatch';
import {
  analyticsStateEventSchema,
  emailSentEventSchema,
  fleetStateEventSchema,
  fleetStateFromV1,
  fleetStateV1EventSchema,
} from './internal';

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
/**
 * How a topic's readers read events of another major `schemaVersion` than the one they write
 * (ADR 040): that major's schema, and a conversion to the event this version works with.
 */
export interface OtherMajorReader<Event = unknown> {
  readonly schema: z.ZodType;
  readonly convert: (event: never) => Event;
}

/** A reader of another major, its conversion typed by its schema. */
export const otherMajor = <Schema extends z.ZodType, Event>(
  schema: Schema,
  convert: (event: z.infer<Schema>) => Event,
): OtherMajorReader<Event> => ({ schema, convert });

export interface TopicContract<Schema extends z.ZodType = z.ZodType> extends TopicSettings {
  /** What this version writes, strictly; what it reads, tolerantly (codec.ts, ADR 040). */
  readonly schema: Schema;
  /** Readers of the adjacent majors, keyed by their `schemaVersion`: the one before (upcast). */
  readonly otherMajors?: Readonly<Record<number, OtherMajorReader<z.infer<Schema>>>>;
  readonly keyOf: (event: z.infer<Schema>) => string;
  /**
   * The largest message its readers decode, and so its writers encode (codec.ts); default
   * MAX_MESSAGE_BYTES, 64 KiB. Larger only for state snapshots, which grow with the state.
   */
  readonly maxMessageBytes?: number;
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
  /** Only after a breaking change: readers of the adjacent major (ADR 040). */
  otherMajors?: TopicContract<Schema>['otherMajors'],
  /** Only for state snapshots: see STATE_SNAPSHOT_MAX_BYTES. */
  maxMessageBytes?: number,
): TopicContract<Schema> => ({
  name,
  partitions,
  config,
  schema,
  keyOf,
  deadLetter: deadLetterOf(name),
  ...(otherMajors && { otherMajors }),
  ...(maxMessageBytes !== undefined && { maxMessageBytes }),
});

const rideRetention = { 'retention.ms': String(7 * DAY_MS) };
const compacted = { 'cleanup.policy': 'compact', 'min.compaction.lag.ms': String(60 * 60 * 1000) };
/**
 * State changelogs: only the latest snapshot per key matters, and restores read only the tail
 * (see libs/kafka partition-state). Rolling a segment every 10 minutes and cleaning once 10 % is
 * dirty keeps each partition near one snapshot per key plus at most ~10 minutes of writes.
 */
const stateChangelog = {
  'cleanup.policy': 'compact',
  'segment.ms': String(10 * 60 * 1000),
  'min.cleanable.dirty.ratio': '0.1',
  'min.compaction.lag.ms': '0',
};

/**
 * The most a state snapshot may be: one partition's whole state in one record, so it grows with
 * the state (transaction's fleet snapshot of 400 drivers, 256 rides and their claims is some
 * 67 KB). Below the broker's default `message.max.bytes` (1 MiB) with room for the batch and
 * headers; libs/kafka's restore reads one this large back whole (partition-state.int.test.ts).
 */
export const STATE_SNAPSHOT_MAX_BYTES = 900 * 1024;

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
  /**
   * Keyed by window start. A window can be published twice (partition 0 of ride_confirmed moving
   * to another instance as the window closes): both copies share the key, so a reader keeps the
   * last one per key. Not compacted: the topic is a 30-day history for readers outside, and
   * compaction would only drop those rare duplicates, at the cost of a cleanup-policy change on
   * topics that already exist.
   */
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
  /**
   * Internal, compacted: analytics state per input partition (a changelog, as in Kafka Streams),
   * written to the partition number of its source.
   */
  analyticsState: defineTopic(
    'analytics_state',
    RIDE_PARTITIONS,
    stateChangelog,
    analyticsStateEventSchema,
    (event) => `${event.payload.source.topic}:${event.payload.source.partition}`,
    undefined,
    STATE_SNAPSHOT_MAX_BYTES,
  ),
  /**
   * Internal, compacted: the drivers each partition number of transaction owns (busy until when,
   * where), its duplicate guard and its claims, written to that partition number (ADR 038).
   * Major 2; a snapshot of 1 (ADR 008's shard) is read as the genesis deal.
   */
  fleetState: defineTopic(
    'fleet_state',
    RIDE_PARTITIONS,
    stateChangelog,
    fleetStateEventSchema,
    (event) => `${event.payload.source.topic}:${event.payload.source.partition}`,
    { 1: otherMajor(fleetStateV1EventSchema, fleetStateFromV1) },
    STATE_SNAPSHOT_MAX_BYTES,
  ),
  /**
   * Internal: rides forwarded to the partition that owns the driver they should get, and drivers
   * handed over between partitions (ADR 038). Co-partitioned with `ride_details` (as many
   * partitions; partition p of both is one state), always written to an explicit partition, the
   * receiver's, never by key: a growth never moves a message in flight. Not compacted: each is
   * consumed once, exactly once, by transaction.
   */
  dispatch: defineTopic('dispatch', RIDE_PARTITIONS, rideRetention, dispatchEventSchema, (event) =>
    event.type === 'dispatch.forward' ? event.payload.request.rideId : event.payload.driverId,
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
