import { topics } from '@taxi/events';
import { testLogger } from '@taxi/testing';
import type { KafkaClient } from './connect';
import { isBehind, PartitionStates } from './partition-state';
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
    held.committedAt(rides, '42');

    expect(held.begin(rides)).toEqual({ count: 2 });
    expect(held.all().get('rides:1')).toEqual({ state: { count: 2 }, nextOffset: '42' });
  });

  it('when a transaction aborts, then the committed state is untouched and the copy is gone', () => {
    const held = states();
    held.begin(rides);
    held.evolve(rides, 5);
    held.committedAt(rides, '5');
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
    held.committedAt(rides, '0');
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

    const message = messageOf(held.snapshot(rides, '8'));

    expect(message.key).toBe('rides:1');
    expect(message.partition).toBe(1);
  });

  it('when the changelog would key a snapshot under another source, then the snapshot is refused for good', () => {
    const held = states(
      countingState(topics.analyticsState, () => ({ topic: 'other', partition: 9 })),
    );
    held.begin(rides);

    expect(() => held.snapshot(rides, '1')).toThrow(
      expect.objectContaining({ code: 'invalid_event', retriable: false }),
    );
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
