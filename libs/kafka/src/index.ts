// The whole public API of @taxi/kafka, by concept (README.md). Named one by one: nothing of
// kafkajs may cross this line, and lint checks every type exported here (eslint.config.mjs).

// connect: one client per process
export { connect } from './connect';
export type { KafkaClient, KafkaConnectionConfig, SaslMechanism } from './connect';

// publish: events out, batched and idempotent; or as the outputs of a transaction
export { createPublisher, outgoing } from './publish';
export type { Outgoing, Publisher, PublisherOptions } from './publish';

// consume: a group member that commits, at least or exactly once
export { consume } from './consume';
export type { AtLeastOnceOptions, ExactlyOnceOptions, RunningConsumer } from './consume';
export { eachMessage } from './at-least-once';
export type { BatchEntry, BatchFailures, BatchHandler } from './at-least-once';
export type { Decision } from './exactly-once';
export type { MessageContext, MessageLogger } from './inbound';
export { BATCH_FIRST_FETCH, LATENCY_FIRST_FETCH } from './member';
export type { Assignment, FetchSettings, OnLag } from './member';
export type { RetryPolicy } from './retry';

// partition state: a Decider with a changelog, for exactly-once consumers
export { stateKey } from './partition-state';
export type { CommittedState, PartitionState, Snapshot, Source } from './partition-state';

// read: records without committing, from where asked, to the end or following
export { read, StalePositionsError } from './read';
export type {
  KafkaRecord,
  ReadBatch,
  Reader,
  ReadEvent,
  ReadEventsOptions,
  ReadFrom,
  ReadPosition,
  ReadRecordsOptions,
} from './read';

// admin: topics and groups
export {
  deleteTopicsWithPrefix,
  describeGroups,
  describeTopics,
  ensureTopics,
  groupLag,
  isBrokerUnreachable,
  listTopics,
  UnknownTopicError,
} from './admin';
export type {
  GroupInfo,
  GroupPartition,
  PartitionInfo,
  PartitionLag,
  ProvisionOptions,
  TopicInfo,
} from './admin';

// partitions: counts read and grown, and the guard of co-partitioned topics (consume's `partitionCountGuard`)
export { addPartitions, partitionCounts } from './partitions';
export type { PartitionGrowth } from './partitions';
export { PARTITION_COUNT_POLL_MS, splitByCounts } from './partition-count-guard';
export type { PartitionCountSplit, PartitionCountStatus } from './partition-count-guard';

// dead letters, and sending them back
export { DLQ_HEADERS, REDRIVEN_FOR_HEADER } from './dead-letter';
export type { DeadLetterReason } from './dead-letter';
export { redrive } from './redrive';
export type { RedriveOptions, RedriveReport } from './redrive';

// errors and tracing
export { KafkaRuntimeError, PublishOutcomeUnknownError } from './errors';
export { disableMessageTracing, enableMessageTracing, isMessageTracingEnabled } from './tracing';
