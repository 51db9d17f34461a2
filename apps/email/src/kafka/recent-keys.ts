/**
 * The keys of the last `capacity` additions, each `width` bytes, in three typed arrays allocated
 * once: a ring of the keys in the order added, their hashes, and an open-addressing index (linear
 * probing, at most 3/4 full) from a key to its ring slot. Exact (keys are compared byte for byte)
 * and bounded: memory is fixed by `capacity` and `width` however long it runs, and none of it is
 * made of JavaScript objects the garbage collector walks or a hash table it reallocates (a Set
 * of 20,000 strings with one key in, one out, grows its table to 65,536 entries, ADR 035).
 */
export class RecentKeys {
  private readonly ring: Uint8Array;
  private readonly hashes: Uint32Array;
  /** Ring slot + 1 of the key hashed there, 0 where empty. */
  private readonly index: Int32Array;
  private readonly mask: number;
  /** Ring slot the next addition takes; once the ring is full, the oldest addition's. */
  private next = 0;
  private full = false;
  private distinct = 0;

  constructor(
    private readonly capacity: number,
    private readonly width: number,
  ) {
    let slots = 1;
    while (slots < (capacity * 4) / 3) slots *= 2;
    this.ring = new Uint8Array(capacity * width);
    this.hashes = new Uint32Array(capacity);
    this.index = new Int32Array(slots);
    this.mask = slots - 1;
  }

  has(key: Uint8Array): boolean {
    return this.find(key, this.hashOf(key)) >= 0;
  }

  /**
   * Adds a key; a key added again counts from its last addition. Forgets the oldest addition once
   * `capacity` are held (its key, unless that key was added again since).
   */
  add(key: Uint8Array): void {
    if (this.full) this.forgetSlot(this.next);
    const hash = this.hashOf(key);
    const found = this.find(key, hash);
    const slot = this.next;
    for (let at = 0; at < this.width; at += 1)
      this.ring[slot * this.width + at] = key[at] as number;
    this.hashes[slot] = hash;
    if (found >= 0) {
      // Its earlier slot stays in the ring, unreferenced, until the ring comes round to it.
      this.index[found] = slot + 1;
    } else {
      this.index[~found] = slot + 1;
      this.distinct += 1;
    }
    this.next = (slot + 1) % this.capacity;
    if (this.next === 0) this.full = true;
  }

  /** Keys held (distinct). */
  get size(): number {
    return this.distinct;
  }

  /** FNV-1a over the key's bytes. */
  private hashOf(key: Uint8Array): number {
    let hash = 0x811c9dc5;
    for (let at = 0; at < this.width; at += 1) {
      hash = Math.imul(hash ^ (key[at] as number), 0x01000193);
    }
    return hash >>> 0;
  }

  /** Index position of the key if held, else the one's complement of where it would go. */
  private find(key: Uint8Array, hash: number): number {
    for (let at = hash & this.mask; ; at = (at + 1) & this.mask) {
      const entry = this.index[at] as number;
      if (entry === 0) return ~at;
      const slot = entry - 1;
      if (this.hashes[slot] === hash && this.slotHolds(slot, key)) return at;
    }
  }

  private slotHolds(slot: number, key: Uint8Array): boolean {
    const start = slot * this.width;
    for (let at = 0; at < this.width; at += 1) {
      if (this.ring[start + at] !== key[at]) return false;
    }
    return true;
  }

  /** Drops the index entry pointing at `slot`, if any, keeping every other key findable. */
  private forgetSlot(slot: number): void {
    let hole = (this.hashes[slot] as number) & this.mask;
    while (this.index[hole] !== slot + 1) {
      if (this.index[hole] === 0) return; // the key was added again later: it stays
      hole = (hole + 1) & this.mask;
    }
    this.distinct -= 1;
    // Backward-shift deletion: an entry after the hole moves into it unless its home position
    // lies after the hole (cyclically), so no probe sequence is broken by the gap.
    for (let at = (hole + 1) & this.mask; this.index[at] !== 0; at = (at + 1) & this.mask) {
      const entry = this.index[at] as number;
      const home = (this.hashes[entry - 1] as number) & this.mask;
      if (((at - home) & this.mask) >= ((at - hole) & this.mask)) {
        this.index[hole] = entry;
        hole = at;
      }
    }
    this.index[hole] = 0;
  }
}
