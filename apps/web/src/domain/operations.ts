import { fleetOnMap, type FleetSnapshots } from './fleet';
import type { OperationsView, RecentEvent } from './views';
import type { Position, WatchedEvent } from './watched-event';

export interface OperationsOptions {
  /** The topics whose rates are shown, zeros included. */
  readonly topics: readonly string[];
  readonly recentEvents: number;
  /** Rates are averaged over this many whole seconds. */
  readonly rateWindowSeconds?: number;
}

/**
 * The live operations view, built from the events as they are read: rates per topic, outcomes
 * and the latest events. It covers what happened since this process started following the
 * topics; exact all-time counts are analytics' job (`GET /stats`). The drivers come from
 * transaction's fleet state, given with the lag when the view is taken.
 */
export class Operations {
  private readonly perSecond = new Map<string, Map<number, number>>();
  private readonly rejectionsByReason: Record<string, number> = {};
  private recent: RecentEvent[] = [];
  private confirmed = 0;
  private rejected = 0;
  private readonly windowSeconds: number;

  constructor(private readonly options: OperationsOptions) {
    this.windowSeconds = options.rateWindowSeconds ?? 5;
    for (const topic of options.topics) this.perSecond.set(topic, new Map());
  }

  record(event: WatchedEvent, position: Position, nowMs: number): void {
    this.count(position.topic, nowMs);
    this.recent = [
      {
        ...position,
        type: event.type,
        rideId: event.payload.rideId,
        at: event.occurredAt,
      },
      ...this.recent,
    ].slice(0, this.options.recentEvents);
    if (event.type === 'ride.confirmed') {
      this.confirmed += 1;
    } else if (event.type === 'ride.rejected') {
      this.rejected += 1;
      const reason = event.payload.reason;
      this.rejectionsByReason[reason] = (this.rejectionsByReason[reason] ?? 0) + 1;
    }
  }

  view(nowMs: number, lag: OperationsView['lag'], fleet: FleetSnapshots): OperationsView {
    return {
      at: new Date(nowMs).toISOString(),
      ratePerSecond: this.rates(nowMs),
      outcomes: {
        confirmed: this.confirmed,
        rejected: this.rejected,
        rejectionsByReason: { ...this.rejectionsByReason },
      },
      lag,
      drivers: fleetOnMap(fleet, nowMs),
      recent: this.recent,
    };
  }

  private count(topic: string, nowMs: number) {
    const second = Math.floor(nowMs / 1000);
    const counts = this.perSecond.get(topic) ?? new Map<number, number>();
    counts.set(second, (counts.get(second) ?? 0) + 1);
    for (const past of counts.keys())
      if (past <= second - this.windowSeconds - 1) counts.delete(past);
    this.perSecond.set(topic, counts);
  }

  /** Average over the last whole seconds; the second in progress is left out, as it is partial. */
  private rates(nowMs: number): Record<string, number> {
    const current = Math.floor(nowMs / 1000);
    const rates: Record<string, number> = {};
    for (const [topic, counts] of this.perSecond) {
      let total = 0;
      for (const [second, count] of counts) {
        if (second < current && second >= current - this.windowSeconds) total += count;
      }
      rates[topic] = Math.round((total / this.windowSeconds) * 10) / 10;
    }
    return rates;
  }
}
