import { randomUUID } from 'node:crypto';
import {
  exampleRideConfirmed,
  exampleRideRejected,
  allTopicSettings,
  newEnvelope,
  topicsFor,
  type EventOf,
  type TopicContract,
} from '@taxi/events';
import { createPublisher, ensureTopics, type KafkaClient } from '@taxi/kafka';
import { testBrokers, testKafka } from '@taxi/kafka/testing';
import { testLogger, uniqueName } from '@taxi/testing';
import {
  emailBatches,
  EMAILS_IN_FLIGHT,
  FAULT_TEST_TIMEOUT_MS,
  fastFailover,
} from '../support/fault-suite';
import {
  recordFigures,
  waitForGroupCaughtUp,
  startService,
  type LogLine,
  type ServiceProcess,
  SmtpSink,
} from '@taxi/stack-harness';

const RIDES = Number(process.env['FAULT_RIDES'] ?? 3000);

const isJoin = (line: LogLine) => line.msg === 'joined consumer group';
const isRestore = (line: LogLine) => line.msg === 'email ledger restored';
const partitionNumbers = (line: LogLine | undefined) =>
  [
    ...new Set(Object.values((line?.['assignment'] ?? {}) as Record<string, number[]>).flat()),
  ].sort();

/**
 * Email alone, on a real broker and a real SMTP server, fed outcome events written straight to
 * its topics: what it remembers of sent emails, across a SIGKILL and a second instance.
 */
describe('the email ledger', () => {
  const run = uniqueName('ledger');
  const topics = topicsFor(`${run}.`);
  const groupId = `${run}-email`;
  let kafka: KafkaClient;
  let smtp: SmtpSink;
  const instances: ServiceProcess[] = [];

  const startEmail = async () => {
    const started = await startService(
      'email',
      {
        KAFKA_BROKERS: testBrokers().join(','),
        KAFKA_TOPIC_PREFIX: `${run}.`,
        KAFKA_GROUP_ID: groupId,
        HTTP_PORT: '0',
        SMTP_URL: smtp.url,
        ...emailBatches,
        ...fastFailover,
      },
      'joined consumer group',
    );
    instances.push(started.process);
    return started.process;
  };

  const produce = async <Contract extends TopicContract>(
    contract: Contract,
    events: readonly EventOf<Contract>[],
  ) => {
    const publisher = await createPublisher({ kafka, logger: testLogger() });
    await publisher.publish(contract, events).finally(() => publisher.disconnect());
  };

  /** `count` rides' outcomes, every 10th rejected, each with a fresh ride id. */
  const publishOutcomes = async (count: number): Promise<string[]> => {
    const rideIds = Array.from({ length: count }, () => randomUUID());
    const envelope = () => ({ eventId: randomUUID(), correlationId: randomUUID() });
    const confirmed = rideIds.filter((_, index) => index % 10 !== 9);
    const rejected = rideIds.filter((_, index) => index % 10 === 9);
    await produce(
      topics.rideConfirmed,
      confirmed.map((rideId) => ({ ...exampleRideConfirmed({ rideId }), ...envelope() })),
    );
    await produce(
      topics.rideRejected,
      rejected.map((rideId) => ({ ...exampleRideRejected({ rideId }), ...envelope() })),
    );
    return rideIds;
  };

  const settled = () =>
    waitForGroupCaughtUp(kafka, groupId, [topics.rideConfirmed.name, topics.rideRejected.name]);

  beforeAll(async () => {
    kafka = testKafka(uniqueName('ledger-test'));
    smtp = await SmtpSink.start();
    // Created here, as email would, so the test can write to them before email first starts.
    await ensureTopics(kafka, allTopicSettings(topics), { replicationFactor: 1 }, testLogger());
  }, FAULT_TEST_TIMEOUT_MS);

  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.stop('SIGTERM')));
    await smtp?.stop();
  });

  it(
    'when the ledger already records rides whose outcomes were never committed, then an instance restores that and emails only the others',
    async () => {
      // Arrange: the ledger records of a previous owner that died before committing.
      const rideIds = await publishOutcomes(20);
      const recorded = rideIds.slice(0, 10);
      await produce(
        topics.emailsSent,
        recorded.map((rideId, index) => ({
          ...newEnvelope('email.sent', randomUUID()),
          payload: {
            rideId,
            kind: index % 10 === 9 ? ('rejection' as const) : ('confirmation' as const),
            messageId: `<${rideId}@previous-owner>`,
            sentAt: new Date().toISOString(),
          },
        })),
      );

      // Act
      await startEmail();
      await smtp.waitForRides(rideIds.slice(10));
      await settled();

      // Assert
      const emailed = [...smtp.perRide().keys()];
      expect(emailed.filter((rideId) => recorded.includes(rideId))).toEqual([]);
      expect(emailed.filter((rideId) => rideIds.includes(rideId)).sort()).toEqual(
        rideIds.slice(10).sort(),
      );
    },
    FAULT_TEST_TIMEOUT_MS,
  );

  it(
    'when email is SIGKILLed mid-stream and restarted, then every ride has exactly one distinct email and resends stay within the batches in flight',
    async () => {
      const before = smtp.received.length;
      const rideIds = await publishOutcomes(RIDES);
      await smtp.waitFor(before + Math.floor(RIDES / 3));

      await instances[0]?.stop('SIGKILL');
      const restarted = await startEmail();
      await smtp.waitForRides(rideIds);
      await settled();

      const emails = rideIds.map((rideId) => smtp.perRide().get(rideId) ?? []);
      const distinct = new Set(emails.flat().map((email) => email.header('message-id')));
      const resends = emails.reduce((n, list) => n + list.length - 1, 0);
      const restore = await restarted.waitForLog(isRestore);
      recordFigures('email SIGKILLed mid-stream of outcome events, restarted', {
        sent: RIDES,
        emailed: emails.filter((list) => list.length > 0).length,
        distinctMessageIds: distinct.size,
        emailResends: resends,
        restoredEmails: Number(restore['emails']),
        restoreMs: Number(restore['ms']),
      });
      expect(emails.every((list) => list.length > 0)).toBe(true);
      expect(distinct.size).toBe(RIDES);
      expect(resends).toBeLessThanOrEqual(EMAILS_IN_FLIGHT);
      expect(restore['emails']).toBeGreaterThan(0);
    },
    FAULT_TEST_TIMEOUT_MS,
  );

  it(
    'when a second instance joins, then each restores the ledger partitions of the outcome partitions it owns, and no others',
    async () => {
      const first = instances.at(-1) as ServiceProcess;
      const joinsBefore = first.logs.filter(isJoin).length;
      const restoresBefore = first.logs.filter(isRestore).length;
      const second = await startEmail();
      await first.waitForLogs(isJoin, joinsBefore + 1);

      // A restore runs before the first batch after a join: give both instances batches.
      const rideIds = await publishOutcomes(200);
      await smtp.waitForRides(rideIds);
      await settled();
      const [firstRestore] = (await first.waitForLogs(isRestore, restoresBefore + 1)).slice(-1);
      const secondRestore = await second.waitForLog(isRestore);

      const owned = [first, second].map((instance) =>
        partitionNumbers(instance.logs.filter(isJoin).at(-1)),
      );
      expect(firstRestore?.['partitions']).toEqual(owned[0]);
      expect(secondRestore['partitions']).toEqual(owned[1]);
      for (const partitions of owned) {
        expect(partitions.length).toBeGreaterThan(0);
        expect(partitions.length).toBeLessThan(topics.emailsSent.partitions);
      }
      expect(rideIds.filter((rideId) => smtp.perRide().get(rideId)?.length !== 1)).toEqual([]);
    },
    FAULT_TEST_TIMEOUT_MS,
  );
});
