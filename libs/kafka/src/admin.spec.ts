import type { Admin } from 'kafkajs';
import { topicOffsets } from './admin';

const notLeader = Object.assign(
  new Error('This server is not the leader for that topic-partition'),
  {
    retriable: true,
  },
);
const offsets = [{ partition: 0, offset: '5', high: '5', low: '0' }];

const adminAnswering = (...answers: unknown[]) => {
  const calls = { count: 0 };
  const admin = {
    fetchTopicOffsets: async () => {
      const answer = answers[Math.min(calls.count, answers.length - 1)];
      calls.count += 1;
      if (answer instanceof Error) throw answer;
      return answer;
    },
  } as unknown as Admin;
  return { admin, calls };
};

describe('topicOffsets', () => {
  it('when the broker answers a retriable error first, then it tries again and returns the offsets', async () => {
    const { admin, calls } = adminAnswering(notLeader, notLeader, offsets);

    await expect(topicOffsets(admin, 'rides')).resolves.toEqual(offsets);
    expect(calls.count).toBe(3);
  });

  it('when the error is not retriable, then it is thrown at once', async () => {
    const { admin, calls } = adminAnswering(new Error('authorization failed'), offsets);

    await expect(topicOffsets(admin, 'rides')).rejects.toThrow('authorization failed');
    expect(calls.count).toBe(1);
  });

  it('when kafkajs found no partitions in its metadata (tulios/kafkajs#461), then it tries again and returns the offsets', async () => {
    const race = new TypeError(
      "Cannot destructure property 'partitions' of 'high.pop(...)' as it is undefined.",
    );
    const { admin, calls } = adminAnswering(race, offsets);

    await expect(topicOffsets(admin, 'rides')).resolves.toEqual(offsets);
    expect(calls.count).toBe(2);
  });

  it('when called for several topics at once on one admin, then the calls run one after another', async () => {
    let running = 0;
    let most = 0;
    const admin = {
      fetchTopicOffsets: async () => {
        running += 1;
        most = Math.max(most, running);
        await new Promise((resolve) => setImmediate(resolve));
        running -= 1;
        return offsets;
      },
    } as unknown as Admin;

    const all = await Promise.all(['a', 'b', 'c'].map((topic) => topicOffsets(admin, topic)));

    expect(all).toEqual([offsets, offsets, offsets]);
    expect(most).toBe(1);
  });
});
