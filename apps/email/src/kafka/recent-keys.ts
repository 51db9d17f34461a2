/** A set that keeps only the `capacity` keys added last: memory stays bounded however long it runs. */
export class RecentKeys {
  // A Set iterates in insertion order, so its first key is the oldest.
  private readonly keys = new Set<string>();

  constructor(private readonly capacity: number) {}

  has(key: string): boolean {
    return this.keys.has(key);
  }

  add(key: string): void {
    this.keys.delete(key);
    this.keys.add(key);
    while (this.keys.size > this.capacity) {
      this.keys.delete(this.keys.values().next().value as string);
    }
  }

  get size(): number {
    return this.keys.size;
  }
}
