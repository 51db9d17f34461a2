import type { Kafka } from 'kafkajs';
import { createTopic, eventually, testKafka, uniqueName } from '@taxi/testing';
import { listTopics } from './inspect';
import { deleteTopicsWithPrefix } from './provision';

describe('deleteTopicsWithPrefix', () => {
  let kafka: Kafka;

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
});
