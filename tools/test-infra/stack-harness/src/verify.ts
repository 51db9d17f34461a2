import { topicsFor } from '@taxi/events';
import type { KafkaClient } from '@taxi/kafka';
import { eventually } from '@taxi/testing';
import type { Outcomes } from './outcomes';
import { getJson } from './rides-client';
import { waitForGroupCaughtUp } from './settle';
import type { Stack } from './stack';

export interface Stats {
  confirmed: number;
  rejected: number;
  rejectionsByReason: Record<string, number>;
}

export interface PipelineCounts {
  accepted: number;
  confirmed: number;
  rejected: number;
  ridesWithOutcome: number;
  duplicateOutcomes: number;
  outcomesForUnknownRides: number;
  emailsReceived: number;
  ridesEmailed: number;
  distinctMessageIds: number;
  emailResends: number;
  countedByAnalytics: number;
  deadLettered: number;
}

/**
 * Waits until every accepted ride went all the way (outcome, email, analytics) and every consumer
 * group has committed to the end of its topics, so nothing is still in flight; then counts.
 */
export const settleAndCount = async (
  stack: Stack,
  kafka: KafkaClient,
  outcomes: Outcomes,
  accepted: readonly string[],
): Promise<PipelineCounts> => {
  const step = (what: string) =>
    process.stdout.write(`settle: ${what} (${new Date().toISOString().slice(11, 19)})\n`);
  step(`waiting for outcomes of ${accepted.length} rides`);
  await outcomes.waitForRides(accepted);
  step('waiting for emails');
  await stack.smtp.waitForRides(accepted);
  step('waiting for analytics');
  await eventually(
    () => getJson<Stats>(`${stack.analyticsUrl}/stats`),
    (stats) => stats.body.confirmed + stats.body.rejected >= accepted.length,
    { timeoutMs: 180_000, everyMs: 250 },
  );
  step('waiting for consumer groups to commit to the end');
  const names = topicsFor(stack.prefix);
  const outcomeTopics = [names.rideConfirmed.name, names.rideRejected.name];
  await waitForGroupCaughtUp(kafka, stack.env('transaction')['KAFKA_GROUP_ID'] as string, [
    names.rideRequested.name,
  ]);
  await waitForGroupCaughtUp(kafka, stack.env('email')['KAFKA_GROUP_ID'] as string, outcomeTopics);
  await waitForGroupCaughtUp(
    kafka,
    stack.env('analytics')['KAFKA_GROUP_ID'] as string,
    outcomeTopics,
  );

  step('settled; counting');
  const stats = (await getJson<Stats>(`${stack.analyticsUrl}/stats`)).body;
  const perRide = outcomes.outcomesPerRide();
  const acceptedSet = new Set(accepted);
  const emails = stack.smtp.perRide();
  return {
    accepted: acceptedSet.size,
    confirmed: stats.confirmed,
    rejected: stats.rejected,
    ridesWithOutcome: [...perRide.keys()].filter((id) => acceptedSet.has(id)).length,
    duplicateOutcomes: [...perRide.values()].reduce((n, count) => n + count - 1, 0),
    outcomesForUnknownRides: [...perRide.keys()].filter((id) => !acceptedSet.has(id)).length,
    emailsReceived: stack.smtp.received.length,
    ridesEmailed: [...emails.keys()].filter((id) => acceptedSet.has(id)).length,
    distinctMessageIds: new Set(stack.smtp.received.map((email) => email.header('message-id')))
      .size,
    emailResends: [...emails.values()].reduce((n, list) => n + list.length - 1, 0),
    countedByAnalytics: stats.confirmed + stats.rejected,
    deadLettered: outcomes.deadLetters().length,
  };
};

/** The counts of a run where nothing may be lost or doubled. */
export const exactlyOnce = (accepted: number) => ({
  accepted,
  ridesWithOutcome: accepted,
  duplicateOutcomes: 0,
  outcomesForUnknownRides: 0,
  ridesEmailed: accepted,
  distinctMessageIds: accepted,
  countedByAnalytics: accepted,
  deadLettered: 0,
});
