/** The ids of the most recently decided rides, oldest forgotten first. */
export class RecentRides {
  private readonly ids = new Set<string>();

  constructor(private readonly capacity: number) {}

  has(rideId: string): boolean {
    return this.ids.has(rideId);
  }

  add(rideId: string): void {
    this.ids.delete(rideId);
    this.ids.add(rideId);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.values().next();
      if (!oldest.done) this.ids.delete(oldest.value);
    }
  }
}
