import {
  allTopicSettings,
  exampleRideConfirmed,
  exampleRideRequested,
  topicsFor,
  type EmailSentEvent,
  type EventOf,
  type TopicContract,
} from '@taxi/events';
import { consume, createPublisher, eachMessage, ensureTopics } from '@taxi/kafka';
import { testBrokers, testKafka } from '@taxi/kafka/testing';
import { testLogger, uniqueName } from '@taxi/testing';
import { taxi } from './built-cli.int-support';

describe('taxi CLI against a real broker', () => {
  const kafka = testKafka();
  const prefix = `${uniqueName('cli')}.`;
  const names = topicsFor(prefix);
  const env = { KAFKA_BROKERS: testBrokers().join(','), KAFKA_TOPIC_PREFIX: prefix };
  const ride = exampleRideRequested({ rideId: '3f1d2c4b-5a69-4788-9a0b-1c2d3e4f5a6b' });
  const rideId = ride.payload.rideId;
  const emailSent: EmailSentEvent = {
    ...ride,
    eventId: '9d3f1c2e-0000-4000-8000-000000000001',
    type: 'email.sent',
    payload: { rideId, kind: 'confirmation', messageId: '<m1@taxi>', sentAt: ride.occurredAt },
  };

  const publish = async <C extends TopicContract>(contract: C, event: EventOf<C>) => {
    const publisher = await createPublisher({ kafka, logger: testLogger() });
    await publisher.publish(contract, [event]).finally(() => publisher.disconnect());
  };

  beforeAll(async () => {
    await ensureTopics(kafka, allTopicSettings(names), { replicationFactor: 1 }, testLogger());
    await publish(names.rideRequested, ride);
    await publish(names.rideConfirmed, exampleRideConfirmed({ rideId }));
    await publish(names.emailsSent, emailSent);
  });

  it('when a ride has been requested, confirmed and emailed, then ride watch prints each event where it sits and ends', async () => {
    const { code, stdout } = await taxi(env, 'ride', 'watch', rideId, '--json');

    const events = stdout
      .trim()
      .split('\n')
      .map(
        (line) => JSON.parse(line) as { topic: string; partition: number; event: { type: string } },
      );
    expect(code).toBe(0);
    expect(events.map((e) => [e.topic, e.event.type]).sort()).toEqual(
      [
        [names.emailsSent.name, 'email.sent'],
        [names.rideConfirmed.name, 'ride.confirmed'],
        [names.rideRequested.name, 'ride.requested'],
      ].sort(),
    );
    // The ride id is the key of the ride topics: same key, same partition number on each.
    const ridePartitions = events
      .filter((e) => e.topic !== names.emailsSent.name)
      .map((e) => e.partition);
    expect(new Set(ridePartitions).size).toBe(1);
  });

  it('when the ride id is unknown, then ride watch exits 3 naming it', async () => {
    const { code, stderr } = await taxi(
      env,
      'ride',
      'watch',
      '00000000-0000-4000-8000-000000000000',
    );

    expect(code).toBe(3);
    expect(stderr).toBe(
      `taxi: no ride 00000000-0000-4000-8000-000000000000 on ${names.rideRequested.name}\n`,
    );
  });

  it('when topics are listed, then each shows its partitions, end offsets, retention and compaction', async () => {
    const { code, stdout } = await taxi(env, 'topics', 'ride_details', 'email_sent', '--json');

    const topics = JSON.parse(stdout) as {
      name: string;
      partitions: { end: string }[];
      config: Record<string, string>;
    }[];
    expect(code).toBe(0);
    expect(topics.map((t) => t.name)).toEqual([names.emailsSent.name, names.rideRequested.name]);
    expect(topics[1]?.partitions).toHaveLength(6);
    expect(topics[1]?.partitions.reduce((n, p) => n + Number(p.end), 0)).toBe(1);
    expect(topics[0]?.config).toMatchObject({
      'cleanup.policy': 'compact,delete',
      'retention.ms': String(8 * 86_400_000),
    });
  });

  it('when a topic is tailed from the beginning, then its message is decoded with key and headers', async () => {
    const { code, stdout } = await taxi(
      env,
      'tail',
      'ride_details',
      '--from-beginning',
      '--max',
      '1',
      '--json',
    );

    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      topic: names.rideRequested.name,
      key: rideId,
      headers: { 'event-type': 'ride.requested', 'correlation-id': ride.correlationId },
      event: { type: 'ride.requested', payload: { rideId } },
    });
  });

  it('when a group has read a topic, then groups shows its committed offsets and lag per partition', async () => {
    const groupId = `${prefix}${uniqueName('group')}`;
    let handled: () => void = () => undefined;
    const handledOne = new Promise<void>((resolve) => (handled = resolve));
    const consumer = await consume({
      mode: 'at-least-once',
      kafka,
      groupId,
      contracts: [names.rideRequested],
      service: 'cli-test',
      logger: testLogger(),
      onFatal: (error) => {
        throw error;
      },
      maxBatchSize: 1,
      handle: eachMessage(async () => handled()),
    });
    await handledOne;
    await consumer.stop();

    const { code, stdout } = await taxi(env, 'groups', groupId, '--json');

    const [group] = JSON.parse(stdout) as {
      groupId: string;
      partitions: { lag: number; committed: string | null }[];
    }[];
    expect(code).toBe(0);
    expect(group?.groupId).toBe(groupId);
    expect(group?.partitions.reduce((n, p) => n + p.lag, 0)).toBe(0);
    expect(group?.partitions.some((p) => p.committed === '1')).toBe(true);
  });

  it.each([
    [['topics', 'no_such_topic'], 3, `no such topic: ${prefix}no_such_topic`],
    [['tail', 'no_such_topic'], 3, `no such topic: ${prefix}no_such_topic`],
    [['groups', 'no-such-group'], 3, `no such consumer group: ${prefix}no-such-group`],
    [['redrive', 'no_such_topic.dlq'], 3, `no such topic: ${prefix}no_such_topic.dlq`],
  ])(
    'when %p names nothing on the broker, then it exits %p with one line',
    async (argv, exitCode, message) => {
      const { code, stderr } = await taxi(env, ...argv);

      expect(code).toBe(exitCode);
      expect(stderr).toBe(`taxi: ${message}\n`);
    },
  );

  it('when the dead-letter topic is empty, then redrive says it re-drove nothing', async () => {
    const { code, stdout } = await taxi(env, 'redrive', 'ride_confirmed.dlq', '--json');

    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ dryRun: false, redriven: 0, skipped: 0, byTarget: {} });
  });

  it('when the broker cannot be reached, then it exits 4 with one line', async () => {
    const { code, stderr } = await taxi({ ...env, KAFKA_BROKERS: '127.0.0.1:1' }, 'topics');

    expect(code).toBe(4);
    expect(stderr).toMatch(/^taxi: cannot reach Kafka \(KAFKA_BROKERS\): .*ECONNREFUSED.*\n$/);
  });
});
