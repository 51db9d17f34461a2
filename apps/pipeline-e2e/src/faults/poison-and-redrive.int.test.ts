import { faultSuite, FAULT_TEST_TIMEOUT_MS } from '../support/fault-suite';
import { kcatProduce } from '../support/kcat';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { topicsFor } from '@taxi/events';
import { DLQ_HEADERS } from '@taxi/kafka';
import {
  recordFigures,
  sendRides,
  getJson,
  postRide,
  rideRequest,
  waitForGroupCaughtUp,
  type Stats,
  workspaceRoot,
} from '@taxi/stack-harness';
import { eventually } from '@taxi/testing';

const run = promisify(execFile);
const taxiMain = path.join(workspaceRoot, 'dist/apps/taxi/main.js');

describe('poison messages and the dead-letter topics', () => {
  const suite = faultSuite();

  it(
    'when bytes that are not events are written with kcat, then each consumer dead-letters them with the reason and keeps serving rides',
    async () => {
      const { stack, outcomes } = suite;
      const names = topicsFor(stack.prefix);
      const poisonDetails = [
        'p1:not json at all',
        'p2:{"eventId":"nope"}',
        'p3:{"schemaVersion":99,"type":"ride.requested"}',
      ];
      const poisonConfirmed = ['p4:{{{{', 'p5:{"type":"ride.confirmed","payload":42}'];

      await kcatProduce(stack.brokers, names.rideRequested.name, poisonDetails);
      await kcatProduce(stack.brokers, names.rideConfirmed.name, poisonConfirmed);
      const load = await sendRides(() => stack.ridesUrl, { count: 50 });
      await outcomes.waitForRides(load.accepted);
      await stack.smtp.waitForRides(load.accepted);

      // ride_details is read by transaction and by the rides read model; ride_confirmed by email,
      // analytics and the read model: each dead-letters what it cannot read.
      const expected = poisonDetails.length * 2 + poisonConfirmed.length * 3;
      await eventually(
        async () => outcomes.deadLetters().length,
        (count) => count >= expected,
      );
      const letters = outcomes.deadLetters().map(({ topic, key, headers }) => ({
        topic,
        key: key?.toString(),
        header: (name: string) => headers[name]?.toString(),
      }));
      const byService = (topic: string) =>
        letters
          .filter((letter) => letter.topic === topic)
          .map((letter) => `${letter.key}/${letter.header(DLQ_HEADERS.service)}`)
          .sort();
      expect(byService(names.rideRequested.deadLetter.name)).toEqual(
        ['p1', 'p2', 'p3'].flatMap((key) => [`${key}/rides`, `${key}/transaction`]).sort(),
      );
      expect(byService(names.rideConfirmed.deadLetter.name)).toEqual(
        ['p4', 'p5'].flatMap((key) => [`${key}/analytics`, `${key}/email`, `${key}/rides`]).sort(),
      );
      const kinds = Object.fromEntries(letters.map((l) => [l.key, l.header(DLQ_HEADERS.kind)]));
      expect(kinds).toMatchObject({
        p1: 'malformed_json',
        p2: 'invalid',
        p3: 'unsupported_version',
        p4: 'malformed_json',
        p5: 'invalid',
      });
      for (const letter of letters) {
        expect(letter.header(DLQ_HEADERS.reason)?.length).toBeGreaterThan(0);
        expect(letter.header(DLQ_HEADERS.sourceTopic)).toBe(letter.topic.replace(/\.dlq$/, ''));
        expect(letter.header(DLQ_HEADERS.sourcePartition)).toMatch(/^\d+$/);
        expect(letter.header(DLQ_HEADERS.sourceOffset)).toMatch(/^\d+$/);
        expect(Date.parse(letter.header(DLQ_HEADERS.failedAt) ?? '')).not.toBeNaN();
      }
      expect(new Set(outcomes.outcomesPerRide().values())).toEqual(new Set([1]));
      recordFigures('poison messages written with kcat', {
        poisonMessages: poisonDetails.length + poisonConfirmed.length,
        deadLetters: letters.length,
        goodRidesAfter: load.accepted.length,
        goodRidesCompleted: load.accepted.length - outcomes.missing(load.accepted).length,
      });
    },
    FAULT_TEST_TIMEOUT_MS,
  );

  it(
    'when an email was dead-lettered and the cause is fixed, then the re-drive delivers it once, and nothing is counted twice',
    async () => {
      const { stack, kafka, outcomes } = suite;
      const names = topicsFor(stack.prefix);
      stack.smtp.refusedRecipients.set('vip@example.com', 550);
      const analyticsGroup = stack.env('analytics')['KAFKA_GROUP_ID'] as string;
      const outcomeTopics = [names.rideConfirmed.name, names.rideRejected.name];
      await waitForGroupCaughtUp(kafka, analyticsGroup, outcomeTopics);
      const statsBefore = (await getJson<Stats>(`${stack.analyticsUrl}/stats`)).body;

      const accepted = await postRide(
        stack.ridesUrl,
        rideRequest({ customerEmail: 'vip@example.com' }),
      );
      const rideId = accepted.body['rideId'] as string;
      const parkedByEmail = async () =>
        outcomes
          .deadLetters()
          .some(
            ({ topic, headers, value }) =>
              topic === names.rideConfirmed.deadLetter.name &&
              headers[DLQ_HEADERS.service]?.toString() === 'email' &&
              value?.toString().includes(rideId),
          );
      await eventually(parkedByEmail, (found) => found);
      expect(stack.smtp.perRide().has(rideId)).toBe(false);

      stack.smtp.refusedRecipients.delete('vip@example.com');
      const { stdout } = await run(
        process.execPath,
        [taxiMain, 'redrive', names.rideConfirmed.deadLetter.name],
        {
          env: { PATH: process.env['PATH'] ?? '', KAFKA_BROKERS: stack.brokers, LOG_LEVEL: 'warn' },
        },
      );
      await stack.smtp.waitForRides([rideId]);
      await waitForGroupCaughtUp(kafka, analyticsGroup, outcomeTopics);
      const statsAfter = await getJson<Stats>(`${stack.analyticsUrl}/stats`);

      expect(stdout).toMatch(/re-drove \d+ message/);
      expect(stack.smtp.perRide().get(rideId)).toHaveLength(1);
      // The re-driven event went to email only: analytics counted the ride once, before.
      expect(statsAfter.body.confirmed).toBe(statsBefore.confirmed + 1);
      expect(outcomes.outcomesPerRide().get(rideId)).toBe(1);
    },
    FAULT_TEST_TIMEOUT_MS,
  );
});
