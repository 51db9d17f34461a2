import { RecentKeys } from './recent-keys';

const WIDTH = 4;
const key = (n: number): Uint8Array => {
  const bytes = new Uint8Array(WIDTH);
  new DataView(bytes.buffer).setUint32(0, n);
  return bytes;
};

describe('RecentKeys', () => {
  it('when more keys than its capacity are added, then it holds exactly the newest ones', () => {
    const keys = new RecentKeys(1_000, WIDTH);

    for (let n = 0; n < 10_000; n += 1) keys.add(key(n));

    expect(keys.size).toBe(1_000);
    expect(keys.has(key(8_999))).toBe(false);
    expect(keys.has(key(9_000))).toBe(true);
    expect(keys.has(key(9_999))).toBe(true);
    const held = Array.from({ length: 10_000 }, (_, n) => n).filter((n) => keys.has(key(n)));
    expect(held).toEqual(Array.from({ length: 1_000 }, (_, n) => 9_000 + n));
  });

  it('when a key is added again, then it is held once, until `capacity` additions after its last', () => {
    const keys = new RecentKeys(3, WIDTH);
    const held = () => [1, 2, 3, 4, 5, 6].filter((n) => keys.has(key(n)));
    [1, 2, 3].forEach((n) => keys.add(key(n)));

    keys.add(key(2)); // the last three additions: 2, 3, 2
    expect(held()).toEqual([2, 3]);
    expect(keys.size).toBe(2);

    keys.add(key(4)); // 3, 2, 4: the first 2 leaves the ring, the key stays
    expect(held()).toEqual([2, 3, 4]);
    keys.add(key(5)); // 2, 4, 5
    expect(held()).toEqual([2, 4, 5]);
    keys.add(key(6)); // 4, 5, 6
    expect(held()).toEqual([4, 5, 6]);
    expect(keys.size).toBe(3);
  });

  it('when keys share their hash slots, then each stays findable as others are forgotten', () => {
    // Keys differing only in a byte FNV spreads little, at a load near the index's 3/4: long
    // probe runs, so forgetting the oldest must shift the entries after it correctly.
    const keys = new RecentKeys(24, WIDTH);
    const added: number[] = [];

    for (let n = 0; n < 2_000; n += 1) {
      const value = (n * 7919) % 4_096;
      keys.add(key(value));
      added.push(value);
      const recent = new Set(added.slice(-24));
      expect(keys.size).toBe(recent.size);
      for (const held of recent) expect(keys.has(key(held))).toBe(true);
      expect(keys.has(key(added.at(-25) ?? -1))).toBe(recent.has(added.at(-25) ?? -1));
    }
  });

  it('when a key differs in any byte, then it is another key', () => {
    const keys = new RecentKeys(10, WIDTH);
    keys.add(Uint8Array.of(1, 2, 3, 4));

    expect(keys.has(Uint8Array.of(1, 2, 3, 4))).toBe(true);
    expect(keys.has(Uint8Array.of(1, 2, 3, 5))).toBe(false);
    expect(keys.has(Uint8Array.of(0, 2, 3, 4))).toBe(false);
  });
});
