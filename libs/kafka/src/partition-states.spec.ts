import { TransactionalStates } from './partition-states';

describe('TransactionalStates', () => {
  const counters = () =>
    new TransactionalStates<{ count: number }>((committed) => ({ count: committed?.count ?? 0 }));

  it('when a transaction commits, then its copy becomes the committed state', () => {
    const states = counters();
    states.begin('rides', 0);
    states.open('rides', 0).count += 2;
    states.committed('rides', 0);

    states.begin('rides', 0);
    expect(states.open('rides', 0).count).toBe(2);
    expect(states.allCommitted().get('rides:0')).toEqual({ count: 2 });
  });

  it('when a transaction aborts, then the committed state is untouched and the copy is gone', () => {
    const states = counters();
    states.restored('rides', 1, { count: 5 });
    states.begin('rides', 1);
    states.open('rides', 1).count += 1;
    states.aborted('rides', 1);

    expect(states.draft('rides', 1)).toBeUndefined();
    expect(states.allCommitted().get('rides:1')).toEqual({ count: 5 });
    expect(() => states.open('rides', 1)).toThrow('no transaction open for rides/1');
  });
});
