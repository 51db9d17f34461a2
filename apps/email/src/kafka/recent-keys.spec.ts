import { RecentKeys } from './recent-keys';

describe('RecentKeys', () => {
  it('when more keys than its capacity are added, then it holds exactly the newest ones', () => {
    const keys = new RecentKeys(1_000);

    for (let n = 0; n < 10_000; n += 1) keys.add(`key-${n}`);

    expect(keys.size).toBe(1_000);
    expect(keys.has('key-8999')).toBe(false);
    expect(keys.has('key-9000')).toBe(true);
    expect(keys.has('key-9999')).toBe(true);
  });

  it('when a key is added again, then it counts as new and outlives keys added after it first', () => {
    const keys = new RecentKeys(3);
    ['a', 'b', 'c'].forEach((key) => keys.add(key));

    keys.add('a');
    keys.add('d');

    expect(keys.size).toBe(3);
    expect(['a', 'b', 'c', 'd'].filter((key) => keys.has(key))).toEqual(['a', 'c', 'd']);
  });
});
