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

describe('waitForGroupCaughtUp on a partition the group never committed', () => {
  const kafka = testKafka();

  /**
   * Partition 0: a committed record, COMMIT (end 2), which the group committed past; partition 1:
   * one record in a transaction that `partitionOne` ends (end 2), which the group never committed.
   */
  const groupThatNeverCommittedPartitionOne = async (partitionOne: 'commit' | 'abort') => {
    const topic = await createTopic(kafka, uniqueName('settle-never'), 2);
    await sendInTransaction(kafka, topic, [{ key: 'a', value: '1', partition: 0 }], 'commit');
    await sendInTransaction(kafka, topic, [{ key: 'b', value: '2', partition: 1 }], partitionOne);
    const groupId = uniqueName('settle-group');
    await commitGroupOffsets(kafka, groupId, topic, [{ partition: 0, offset: '1' }]);
    return { topic, groupId };
  };

  it('when that partition holds only an aborted transaction and the group committed the others to their end, then it is caught up', async () => {
    const { topic, groupId } = await groupThatNeverCommittedPartitionOne('abort');
    const [group] = await describeGroups(kafka, [groupId]);
    expect(group?.partitions).toEqual([
      expect.objectContaining({ partition: 0, committed: '1', end: '2' }),
      expect.objectContaining({ partition: 1, committed: null, end: '2' }),
    ]);

    await expect(waitForGroupCaughtUp(kafka, groupId, [topic], 30_000)).resolves.toBeUndefined();
  });

  it('when that partition holds a committed record, then it is not caught up', async () => {
    const { topic, groupId } = await groupThatNeverCommittedPartitionOne('commit');

    await expect(waitForGroupCaughtUp(kafka, groupId, [topic], 6_000)).rejects.toThrow(
      `${topic}/1`,
    );
  });
});
