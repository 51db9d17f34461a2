import { AssignerProtocol, type Cluster } from 'kafkajs';
import {
  coPartitionedAssigner,
  coPartitionedNumbers,
  dealPartitionNumbers,
} from './co-partitioned';

describe('the co-partitioned assigner (ADR 038)', () => {
  it('when 12 partition numbers are dealt to 4 members, then each gets 3, the same of every topic, and every number goes to one member', () => {
    const dealt = dealPartitionNumbers(
      ['m-b', 'm-d', 'm-a', 'm-c'],
      ['rides', 'dispatch'],
      [...Array(12).keys()],
    );

    const numbers = [...dealt.values()].map((assignment) => assignment['rides']);
    expect([...dealt.values()].every((a) => a['rides']?.join() === a['dispatch']?.join())).toBe(
      true,
    );
    expect(numbers.map((list) => list?.length)).toEqual([3, 3, 3, 3]);
    expect(numbers.flat().sort((x, y) => (x ?? 0) - (y ?? 0))).toEqual([...Array(12).keys()]);
    expect(dealt.get('m-a')).toEqual({ rides: [0, 4, 8], dispatch: [0, 4, 8] });
  });

  it('when one input has more partitions than the other, then only the numbers both have are dealt', () => {
    expect(coPartitionedNumbers({ rides: 12, dispatch: 6 })).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('when kafkajs asks it to assign, then each member’s assignment decodes with kafkajs’ protocol to the same numbers of both topics', async () => {
    const cluster = {
      findTopicPartitionMetadata: (topic: string) =>
        Array.from({ length: topic === 'rides' ? 6 : 7 }, (_, partitionId) => ({ partitionId })),
    } as unknown as Cluster;
    const assigner = coPartitionedAssigner()({ cluster, groupId: 'g', logger: undefined as never });

    const assigned = await assigner.assign({
      members: [
        { memberId: 'one', memberMetadata: Buffer.alloc(0) },
        { memberId: 'two', memberMetadata: Buffer.alloc(0) },
      ],
      topics: ['rides', 'dispatch'],
    });

    const decoded = assigned.map(({ memberId, memberAssignment }) => [
      memberId,
      AssignerProtocol.MemberAssignment.decode(memberAssignment)?.assignment,
    ]);
    expect(Object.fromEntries(decoded)).toEqual({
      one: { rides: [0, 2, 4], dispatch: [0, 2, 4] },
      two: { rides: [1, 3, 5], dispatch: [1, 3, 5] },
    });
    expect(assigner.protocol({ topics: ['rides', 'dispatch'] }).name).toBe(assigner.name);
  });
});
