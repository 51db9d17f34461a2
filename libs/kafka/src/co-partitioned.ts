import { AssignerProtocol, type Assigner, type PartitionAssigner } from 'kafkajs';

// Co-partitioned inputs (ADR 038): a consumer of several topics whose partition p of each belongs
// to one state (transaction's `ride_details` and `dispatch`). Kafka's assigners deal each topic's
// partitions on their own, so one member could get ride_details/3 and another dispatch/3; this one
// deals partition numbers, and each member gets the same numbers of every topic.

/** The protocol name every member of a co-partitioned group announces (they must all agree). */
export const CO_PARTITIONED_PROTOCOL = 'TaxiCoPartitionedAssigner';

/**
 * The partition numbers to deal: those every input has. A number that only some inputs have (a
 * topic grown on its own) is left unassigned rather than given without its other half.
 *
 * The seam for the co-partition-count guard (issue 24, `taxi topics grow`): it replaces this one
 * call, comparing the state changelog's count too and logging what to run.
 */
export const coPartitionedNumbers = (counts: Readonly<Record<string, number>>): number[] => {
  const values = Object.values(counts);
  const smallest = values.length === 0 ? 0 : Math.min(...values);
  return Array.from({ length: smallest }, (_, number) => number);
};

/**
 * Partition numbers dealt over the members, sorted by id, round robin: with 12 numbers and 4
 * members, 3 each; each member gets its numbers of every topic.
 */
export const dealPartitionNumbers = (
  memberIds: readonly string[],
  topics: readonly string[],
  numbers: readonly number[],
): Map<string, Record<string, number[]>> => {
  const members = [...memberIds].sort();
  const dealt = new Map<string, Record<string, number[]>>(
    members.map((id) => [id, Object.fromEntries(topics.map((topic) => [topic, [] as number[]]))]),
  );
  numbers.forEach((number, index) => {
    const owner = dealt.get(members[index % members.length] ?? '');
    for (const topic of topics) owner?.[topic]?.push(number);
  });
  return dealt;
};

/** kafkajs' custom assigner (`partitionAssigners`), built on its documented AssignerProtocol. */
export const coPartitionedAssigner =
  (numbersOf: typeof coPartitionedNumbers = coPartitionedNumbers): PartitionAssigner =>
  ({ cluster }): Assigner => ({
    name: CO_PARTITIONED_PROTOCOL,
    version: 0,
    async assign({ members, topics }) {
      const counts = Object.fromEntries(
        topics.map((topic) => [topic, cluster.findTopicPartitionMetadata(topic).length]),
      );
      const dealt = dealPartitionNumbers(
        members.map((member) => member.memberId),
        topics,
        numbersOf(counts),
      );
      return [...dealt].map(([memberId, assignment]) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 0,
          assignment,
          userData: Buffer.alloc(0),
        }),
      }));
    },
    protocol({ topics }) {
      return {
        name: CO_PARTITIONED_PROTOCOL,
        metadata: AssignerProtocol.MemberMetadata.encode({
          version: 0,
          topics,
          userData: Buffer.alloc(0),
        }),
      };
    },
  });
