import type { RideUpdate } from './views';

export type RideListener = (update: RideUpdate) => void;

/**
 * Fans each ride's updates out to the pages watching it. The updates of recent rides are kept, so
 * a page that starts listening just after booking (when the ride may already be confirmed and
 * emailed) still sees every step.
 */
export class RideUpdates {
  private readonly history = new Map<string, RideUpdate[]>();
  private readonly listeners = new Map<string, Set<RideListener>>();

  constructor(private readonly ridesRemembered: number) {}

  publish(update: RideUpdate): void {
    const steps = this.history.get(update.rideId) ?? [];
    this.history.delete(update.rideId);
    this.history.set(update.rideId, [...steps, update]);
    if (this.history.size > this.ridesRemembered) {
      const oldest = this.history.keys().next().value;
      if (oldest !== undefined) this.history.delete(oldest);
    }
    this.listeners.get(update.rideId)?.forEach((listener) => listener(update));
  }

  /** Replays what is known of the ride, then calls the listener for each new step. */
  subscribe(rideId: string, listener: RideListener): () => void {
    for (const update of this.history.get(rideId) ?? []) listener(update);
    const listeners = this.listeners.get(rideId) ?? new Set();
    listeners.add(listener);
    this.listeners.set(rideId, listeners);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) this.listeners.delete(rideId);
    };
  }
}
