import type { PartitionStateHooks } from '@taxi/kafka';
import { RecentRides } from '../domain/recent-rides';

/**
 * Remembers the rides decided in committed transactions, so a request published twice for the same
 * ride (two rides instances racing on one idempotency key) is decided once. A ride counts as
 * decided only once its transaction commits: an aborted one is retried, not skipped.
 */
export class DecidedRides implements PartitionStateHooks {
  private readonly recent: RecentRides;
  private readonly pending = new Map<string, Set<string>>();

  constructor(capacity: number) {
    this.recent = new RecentRides(capacity);
  }

  wasDecided(topic: string, partition: number, rideId: string): boolean {
    return (
      this.recent.has(rideId) || (this.pending.get(`${topic}/${partition}`)?.has(rideId) ?? false)
    );
  }

  decided(topic: string, partition: number, rideId: string): void {
    this.pending.get(`${topic}/${partition}`)?.add(rideId);
  }

  async restore(): Promise<void> {
    // In memory only: a restart forgets, which matters only for a race within milliseconds.
  }

  begin(topic: string, partition: number): void {
    this.pending.set(`${topic}/${partition}`, new Set());
  }

  end(): [] {
    return [];
  }

  committed(topic: string, partition: number): void {
    for (const rideId of this.pending.get(`${topic}/${partition}`) ?? []) this.recent.add(rideId);
    this.pending.delete(`${topic}/${partition}`);
  }

  aborted(topic: string, partition: number): void {
    this.pending.delete(`${topic}/${partition}`);
  }
}
