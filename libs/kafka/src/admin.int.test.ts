import { topics } from '@taxi/events';
import { eventually, freshRideRequested, testLogger, uniqueName } from '@taxi/testing';
import { deleteTopicsWithPrefix, describeTopics, groupLag, listTopics, withAdmin } from './admin';
import type { KafkaClient } from './connect';
import { createPublisher } from './publish';
import { read } from './read';
import { createTopic, isolatedContract, testKafka } from './testing';

describe('admin', () => {
  let kafka: KafkaClient;

  beforeEach(() => {
    kafka = testKafka();
  });

  const topicNames = () => listTopics(kafka);

  it("when a run's topics share a prefix, then those are deleted and a topic outside it is kept", async () => {
    const prefix = `${uniqueName('run')}.`;
    const outside = uniqueName('kept');
    await createTopic(kafka, `${prefix}ride_details`, 1);
    await createTopic(kafka, `${prefix}ride_confirmed`, 1);
    await createTopic(kafka, outside, 1);

    const deleted = await deleteTopicsWithPrefix(kafka, prefix);

    expect(deleted.sort()).toEqual([`${prefix}ride_confirmed`, `${prefix}ride_details`]);
    // The broker's metadata follows the controller's deletion a moment later.
    const left = await eventually(
      topicNames,
      (names) => !names.some((name) => name.startsWith(prefix)),
    );
    expect(left).toContain(outside);
  });

  it('when the prefix is empty, then nothing is deleted and it says why', async () => {
    const topic = uniqueName('kept');
    await createTopic(kafka, topic, 1);

    await expect(deleteTopicsWithPrefix(kafka, '')).rejects.toThrow('the prefix is empty');

    expect(await topicNames()).toContain(topic);
  });

  it("when a group has committed offsets, then groupLag gives each partition's end minus them, and leaves out readers, which commit nothing", async () => {
    const contract = await isolatedContract(kafka, topics.rideRequested);
    const publisher = await createPublisher({ kafka, logger: testLogger() });
    await publisher.publish(
      contract,
      Array.from({ length: 12 }, () => freshRideRequested()),
    );
    await publisher.disconnect();
    const [topic] = await describeTopics(kafka, [contract.name]);
    const busiest = (topic?.partitions ?? []).reduce((a, b) =>
      BigInt(b.end) > BigInt(a.end) ? b : a,
    );
    const groupId = uniqueName('lagging');
    await withAdmin(kafka, (admin) =>
      admin.setOffsets({
        groupId,
        topic: contract.name,
        partitions: [{ partition: busiest.partition, offset: '1' }],
      }),
    );
    const reader = await read({
      kafka,
      topics: [contract.name],
      from: 'end',
      until: 'following',
      logger: testLogger(),
      onBatch: () => undefined,
    });

    const lags = await groupLag(kafka, [contract.name]).finally(() => reader.stop());

    expect(lags).toEqual([
      {
        groupId,
        topic: contract.name,
        partition: busiest.partition,
        lag: Number(busiest.end) - 1,
      },
    ]);
  });
});
