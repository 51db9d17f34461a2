import { describeGroups } from '@taxi/kafka';
import { commitGroupOffsets, createTopic, sendInTransaction, testKafka } from '@taxi/kafka/testing';
import { uniqueName } from '@taxi/testing';
import { waitForGroupCaughtUp } from './settle';

describe('waitForGroupCaughtUp on a transactional topic', () => {
  const kafka = testKafka();
  let topic: string;

  beforeAll(async () => {
    topic = await createTopic(kafka, uniqueName('settle'), 1);
    // 0, 1: records, 2: COMMIT; 3: an aborted record, 4: ABORT. The end is 5.
    await sendInTransaction(
      kafka,
      topic,
      [
        { key: 'a', value: '1' },
        { key: 'b', value: '2' },
      ],
      'commit',
    );
    await sendInTransaction(kafka, topic, [{ key: 'c', value: '3' }], 'abort');
  });

  /** A group with no members that has committed `offset` (what a consumer of it had done). */
  const groupAt = async (offset: string) => {
    const groupId = uniqueName('settle-group');
    await commitGroupOffsets(kafka, groupId, topic, [{ partition: 0, offset }]);
    const [group] = await describeGroups(kafka, [groupId]);
    expect(group?.partitions).toEqual([expect.objectContaining({ committed: offset, end: '5' })]);
    return groupId;
  };

  it('when the group committed past the last committed record and only markers and an aborted record follow, then it is caught up', async () => {
    const groupId = await groupAt('2');

    await expect(waitForGroupCaughtUp(kafka, groupId, [topic], 30_000)).resolves.toBeUndefined();
  });

  it('when a committed record follows the group’s committed offset, then it is not caught up', async () => {
    const groupId = await groupAt('1');

    await expect(waitForGroupCaughtUp(kafka, groupId, [topic], 6_000)).rejects.toThrow(
      `${topic}/0`,
    );
  });
});
