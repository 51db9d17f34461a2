import type { TopicKey } from './topics';

/** Who writes and who reads a topic, and what its key is: the one place that says so. */
export interface TopicRoles {
  /** What the message key is (messages with one key share a partition, in order). */
  readonly key: string;
  readonly senders: readonly string[];
  readonly receivers: readonly string[];
}

/**
 * By topic (the keys of `topics`; a topic without an entry does not compile). docs/asyncapi.yaml
 * is made from it: keep the README's topic table in step.
 */
export const topicRoles: Record<TopicKey, TopicRoles> = {
  rideRequested: { key: 'ride id', senders: ['rides'], receivers: ['transaction', 'rides', 'web'] },
  rideConfirmed: {
    key: 'ride id',
    senders: ['transaction'],
    receivers: ['email', 'analytics', 'rides', 'web'],
  },
  rideRejected: {
    key: 'ride id',
    senders: ['transaction'],
    receivers: ['email', 'analytics', 'rides', 'web'],
  },
  rideAnalytics: {
    key: 'window start (ISO time)',
    senders: ['analytics'],
    receivers: ['you (`taxi tail ride_analytics`)'],
  },
  emailsSent: { key: '`<ride id>:<kind>`', senders: ['email'], receivers: ['email', 'web'] },
  analyticsState: {
    key: '`<source topic>:<source partition>`',
    senders: ['analytics'],
    receivers: ['analytics'],
  },
  // The fleet's state changelog: the drivers each partition owns; transaction's view, web's map.
  fleetState: {
    key: '`<source topic>:<source partition>`',
    senders: ['transaction'],
    receivers: ['transaction', 'web'],
  },
  // Forwards and hand-overs between transaction's partitions, written to an explicit partition.
  dispatch: {
    key: 'ride id (a forward) or driver id (a hand-over); the partition is explicit',
    senders: ['transaction'],
    receivers: ['transaction'],
  },
};

/** Roles of every dead-letter topic: any consumer parks messages there; the re-drive reads them. */
export const deadLetterRoles: TopicRoles = {
  key: 'the original message key',
  senders: ['the consumer that could not process the message'],
  receivers: ['redrive (`taxi redrive <topic>.dlq`)', 'you (`taxi tail <topic>.dlq`)'],
};
