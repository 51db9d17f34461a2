import type { KafkaClient } from '@taxi/kafka';
import { topics } from '@taxi/events';
import {
  getJson,
  waitForGroupCaughtUp,
  type Outcomes,
  type PipelineCounts,
  type Stats,
} from '@taxi/stack-harness';
import { eventually } from '@taxi/testing';
import { troubledPods } from './kubectl';
import { mailpitEmails } from './mailpit';

/** Where the suite reads the deployed pipeline: through port-forwards on 127.0.0.1. */
export interface ClusterReaders {
  readonly kafka: KafkaClient;
  readonly outcomes: Outcomes;
  readonly analyticsUrl: () => string;
  readonly mailpitUrl: () => string;
}

/** What was counted before a run: /stats, and every ride id the suite has seen an outcome for. */
export interface Baseline {
  readonly stats: Stats;
  readonly knownRides: ReadonlySet<string>;
}

const SETTLE_MS = 180_000;

/**
 * A read through a port-forward, tried again while the forward is being reopened (its pod was
 * replaced: the first connection after that fails, and the forward starts anew).
 */
export const throughForward = async <T>(read: () => Promise<T>): Promise<T> => {
  const value = await eventually(
    () => read().catch((error: Error) => ({ failed: error })),
    (result) => !(typeof result === 'object' && result !== null && 'failed' in result),
    { timeoutMs: 60_000, everyMs: 250 },
  );
  return value as T;
};

const stats = (readers: ClusterReaders) =>
  throughForward(async () => (await getJson<Stats>(`${readers.analyticsUrl()}/stats`)).body);
const emailsIn = (readers: ClusterReaders) =>
  throughForward(() => mailpitEmails(readers.mailpitUrl()));

export const baseline = async (readers: ClusterReaders): Promise<Baseline> => ({
  stats: await stats(readers),
  knownRides: new Set(readers.outcomes.outcomesPerRide().keys()),
});

/**
 * The fault tests' count (stack-harness's settleAndCount), for the pipeline on the cluster: waits
 * until every accepted ride has its outcome, its email in Mailpit and its count in /stats, and
 * until every consumer group (the dev overlay's default group ids) has committed to the end of
 * its topics; then counts, against the baseline taken before the rides were sent.
 */
export const settleAndCount = async (
  readers: ClusterReaders,
  before: Baseline,
  accepted: readonly string[],
): Promise<PipelineCounts> => {
  const acceptedSet = new Set(accepted);
  await readers.outcomes.waitForRides(accepted, SETTLE_MS).catch(async (error: Error) => {
    const missing = readers.outcomes.missing(accepted);
    const troubled = await troubledPods().catch((why: Error) => [`(pods unknown: ${why.message})`]);
    throw new Error(
      `${error.message}: no outcome for ${missing.length} rides, e.g. ${missing.slice(0, 3).join(', ')}` +
        (troubled.length > 0 ? `; pods restarting: ${troubled.join('; ')}` : ''),
    );
  });
  await eventually(
    () => emailsIn(readers),
    (emails) =>
      new Set(emails.map((e) => e.rideId).filter((id) => acceptedSet.has(id))).size ===
      acceptedSet.size,
    { timeoutMs: SETTLE_MS, everyMs: 500 },
  );
  const decided = (s: Stats) => s.confirmed + s.rejected;
  await eventually(
    () => stats(readers),
    (s) => decided(s) - decided(before.stats) >= acceptedSet.size,
    { timeoutMs: SETTLE_MS, everyMs: 250 },
  );
  const outcomeTopics = [topics.rideConfirmed.name, topics.rideRejected.name];
  await waitForGroupCaughtUp(readers.kafka, 'transaction', [topics.rideRequested.name]);
  await waitForGroupCaughtUp(readers.kafka, 'email', outcomeTopics);
  await waitForGroupCaughtUp(readers.kafka, 'analytics', outcomeTopics);

  const after = await stats(readers);
  const perRide = readers.outcomes.outcomesPerRide();
  const emails = (await emailsIn(readers)).filter((e) => acceptedSet.has(e.rideId));
  const emailsPerRide = new Map<string, number>();
  for (const { rideId } of emails) emailsPerRide.set(rideId, (emailsPerRide.get(rideId) ?? 0) + 1);
  return {
    accepted: acceptedSet.size,
    confirmed: after.confirmed - before.stats.confirmed,
    rejected: after.rejected - before.stats.rejected,
    ridesWithOutcome: [...perRide.keys()].filter((id) => acceptedSet.has(id)).length,
    duplicateOutcomes: [...perRide.values()].reduce((n, count) => n + count - 1, 0),
    outcomesForUnknownRides: [...perRide.keys()].filter(
      (id) => !acceptedSet.has(id) && !before.knownRides.has(id),
    ).length,
    emailsReceived: emails.length,
    ridesEmailed: emailsPerRide.size,
    distinctMessageIds: new Set(emails.map((e) => e.messageId)).size,
    emailResends: [...emailsPerRide.values()].reduce((n, count) => n + count - 1, 0),
    countedByAnalytics: decided(after) - decided(before.stats),
    deadLettered: readers.outcomes.deadLetters().length,
  };
};
