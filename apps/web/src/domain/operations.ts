import type { DriverMarker, OperationsView, Point, RecentEvent } from './views';
import type { Position, WatchedEvent } from './watched-event';

export interface OperationsOptions {
  /** The topics whose rates are shown, zeros included. */
  readonly topics: readonly string[];
  readonly fleetSize: number;
  /** How long a driver counts as busy after a confirmation. */
  readonly driverBusyMs: number;
  readonly recentEvents: number;
  /** Rates are averaged over this many whole seconds. */
  readonly rateWindowSeconds?: number;
}

interface DriverSighting {
  readonly busyUntilMs: number;
  readonly pickup: Point;
  readonly dropoff: Point;
}

/**
 * The live operations view, built from the events as they are read: rates per topic, outcomes,
 * drivers and the latest events. It covers what happened since this process started following
 * the topics; exact all-time counts are analytics' job (`GET /stats`).
 */
export class Operations {
  private readonly perSecond = new Map<string, Map<number, number>>();
  private readonly drivers = new Map<string, DriverSighting>();
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
      this.drivers.set(event.payload.driver.id, {
        busyUntilMs: Date.parse(event.payload.confirmedAt) + this.options.driverBusyMs,
        pickup: event.payload.pickup,
        dropoff: event.payload.dropoff,
      });
    } else if (event.type === 'ride.rejected') {
      this.rejected += 1;
      const reason = event.payload.reason;
      this.rejectionsByReason[reason] = (this.rejectionsByReason[reason] ?? 0) + 1;
    }
  }

  view(nowMs: number, lag: OperationsView['lag']): OperationsView {
    const busy: DriverMarker[] = [];
    const free: DriverMarker[] = [];
    for (const [id, sighting] of this.drivers) {
      // A busy driver is shown where they are headed for the pickup; a free one waits where
      // their last ride ended.
      if (sighting.busyUntilMs > nowMs) busy.push({ id, ...sighting.pickup });
      else free.push({ id, ...sighting.dropoff });
    }
    return {
      at: new Date(nowMs).toISOString(),
      ratePerSecond: this.rates(nowMs),
      outcomes: {
        confirmed: this.confirmed,
        rejected: this.rejected,
        rejectionsByReason: { ...this.rejectionsByReason },
      },
      lag,
      drivers: { fleetSize: this.options.fleetSize, busy, free },
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
