import { topics } from '@taxi/events';
import { testLogger } from '@taxi/testing';
import type { KafkaClient } from './connect';
import { isBehind, PartitionStates, topicsBehind } from './partition-state';
import { messageOf } from './publish';
import { countingState } from './testing';

const states = (definition = countingState()) =>
  new PartitionStates(definition, {} as KafkaClient, testLogger());
const rides = { topic: 'rides', partition: 1 };

describe('partition state in transactions', () => {
  it('when a transaction commits, then its copy becomes the committed state, with the offset it covers', () => {
    const held = states();
    held.begin(rides);
    held.evolve(rides, 2);
    held.committedAt(rides, { rides: '42' });

    expect(held.begin(rides)).toEqual({ count: 2 });
    expect(held.all().get('rides:1')).toEqual({
      state: { count: 2 },
      nextOffset: '42',
      inputOffsets: { rides: '42' },
    });
  });

  it('when a transaction aborts, then the committed state is untouched and the copy is gone', () => {
    const held = states();
    held.begin(rides);
    held.evolve(rides, 5);
    held.committedAt(rides, { rides: '5' });
    held.begin(rides);
    held.evolve(rides, 1);
    held.aborted(rides);

    expect(held.all().get('rides:1')?.state).toEqual({ count: 5 });
    expect(() => held.evolve(rides, 1)).toThrow('no transaction open for rides/1');
    expect(held.begin(rides)).toEqual({ count: 5 });
  });

  it('when a transaction changes its copy in place, then the committed state is untouched until it commits', () => {
    const held = states();
    held.begin(rides);
    held.committedAt(rides, { rides: '0' });
    const committed = held.all().get('rides:1')?.state;

    held.begin(rides);
    const working = held.evolve(rides, 3);

    expect(committed).toEqual({ count: 0 });
    expect(working).toEqual({ count: 3 });
  });

  it('when a transaction ends, then its snapshot is keyed by its source and pinned to its partition number', () => {
    const held = states();
    held.begin(rides);
    held.evolve(rides, 7);

    const message = messageOf(held.snapshot(rides, { rides: '8' }));

    expect(message.key).toBe('rides:1');
    expect(message.partition).toBe(1);
  });

  it('when the changelog would key a snapshot under another source, then the snapshot is refused for good', () => {
    const held = states(
      countingState(topics.analyticsState, () => ({ topic: 'other', partition: 9 })),
    );
    held.begin(rides);

    expect(() => held.snapshot(rides, { rides: '1' })).toThrow(
      expect.objectContaining({ code: 'invalid_event', retriable: false }),
    );
  });

  it('when co-partitioned inputs take turns, then each transaction’s snapshot covers the position of each input, the other’s as last committed', () => {
    const written: Record<string, string>[] = [];
    const counting = countingState();
    const held = states({
      ...counting,
      toSnapshot: (state, source, next, positions) => {
        written.push({ ...positions });
        return counting.toSnapshot(state, source, next, positions);
      },
    });
    held.begin(rides);
    const first = held.positionsAfter(rides, 'rides', '10');
    held.snapshot(rides, first);
    held.committedAt(rides, first);
    held.begin(rides);
    const second = held.positionsAfter(rides, 'dispatch', '3');
    held.snapshot(rides, second);
    held.committedAt(rides, second);

    expect(written).toEqual([{ rides: '10' }, { rides: '10', dispatch: '3' }]);
    expect(held.all().get('rides:1')).toMatchObject({
      nextOffset: '10',
      inputOffsets: { rides: '10', dispatch: '3' },
    });
  });

  it('when transactions commit, then the committed positions move on with each, in each input: what a batch fetched again below them was already handled', () => {
    const held = states();
    held.begin(rides);
    held.committedAt(rides, held.positionsAfter(rides, 'rides', '10'));
    expect(held.committedPositions(rides)).toEqual({ rides: '10' });

    held.begin(rides);
    held.committedAt(rides, held.positionsAfter(rides, 'dispatch', '4'));

    expect(held.committedPositions(rides)).toEqual({ rides: '10', dispatch: '4' });
    expect(held.committedPositions({ topic: 'rides', partition: 2 })).toEqual({});
  });
});

describe('isBehind: a restored snapshot checked against the offset its group committed', () => {
  it('when the group committed past the snapshot, or has offsets but no snapshot is readable, then it is behind', () => {
    expect(isBehind('41', '42')).toBe(true);
    expect(isBehind(undefined, '42')).toBe(true);
  });

  it('when the snapshot covers the committed offset or more, or the group never committed, then it is not', () => {
    expect(isBehind('42', '42')).toBe(false);
    // A member handed a stale offset (no stable offsets in kafkajs) skips what the state covers.
    expect(isBehind('50', '42')).toBe(false);
    expect(isBehind('42', undefined)).toBe(false);
    expect(isBehind(undefined, undefined)).toBe(false);
  });
});

describe('topicsBehind: a co-partitioned state checked input by input', () => {
  it('when the group committed past the snapshot in one input only, then that input alone is behind', () => {
    const positions = { ride_details: '10', dispatch: '4' };

    expect(topicsBehind(positions, { ride_details: '10', dispatch: '5' })).toEqual(['dispatch']);
    expect(topicsBehind(positions, { ride_details: '10', dispatch: undefined })).toEqual([]);
    expect(topicsBehind({}, { ride_details: '1' })).toEqual(['ride_details']);
    expect(topicsBehind(positions, undefined)).toEqual([]);
  });
});
