import { decode, topicsFor } from '@taxi/events';
import { REDRIVEN_FOR_HEADER, type KafkaClient } from '@taxi/kafka';
import { collect, type Collector } from '@taxi/kafka/testing';

/** Everything the pipeline wrote about rides, read back as a downstream consumer would. */
export class Outcomes {
  private readonly counts = new Map<string, number>();
  private seen = 0;
  /** Positions read: a record counted once, even if it were read again. */
  private readonly positions = new Set<string>();

  private constructor(
    private readonly collector: Collector,
    private readonly names: ReturnType<typeof topicsFor>,
  ) {}

  static async follow(kafka: KafkaClient, prefix: string): Promise<Outcomes> {
    const names = topicsFor(prefix);
    const collector = await collect(kafka, [
      names.rideConfirmed.name,
      names.rideRejected.name,
      names.rideRequested.deadLetter.name,
      names.rideConfirmed.deadLetter.name,
      names.rideRejected.deadLetter.name,
    ]);
    return new Outcomes(collector, names);
  }

  /** Ride id → how many outcome events (confirmed + rejected) were published for it. */
  outcomesPerRide(): Map<string, number> {
    // Decodes only what arrived since the last call: this runs once per message while waiting.
    const counts = this.counts;
    for (const { topic, partition, offset, value, headers } of this.collector.records.slice(
      this.seen,
    )) {
      this.seen += 1;
      if (topic !== this.names.rideConfirmed.name && topic !== this.names.rideRejected.name)
        continue;
      const position = `${topic}/${partition}@${offset}`;
      if (this.positions.has(position)) continue;
      this.positions.add(position);
      const contract =
        topic === this.names.rideConfirmed.name
          ? this.names.rideConfirmed
          : this.names.rideRejected;
      const decoded = decode(contract, value);
      // Poison written straight onto the topic by a test, or a dead letter re-driven for one
      // service: neither is a new outcome of the pipeline.
      if (!decoded.ok || headers[REDRIVEN_FOR_HEADER] !== undefined) continue;
      const rideId = decoded.value.payload.rideId;
      counts.set(rideId, (counts.get(rideId) ?? 0) + 1);
    }
    return counts;
  }

  /** The driver of every confirmation published, one entry per confirmation. */
  driversConfirmed(): string[] {
    const read = new Set<string>();
    return this.collector.records.flatMap(({ topic, partition, offset, value, headers }) => {
      const position = `${topic}/${partition}@${offset}`;
      if (topic !== this.names.rideConfirmed.name || read.has(position)) return [];
      read.add(position);
      const decoded = decode(this.names.rideConfirmed, value);
      if (!decoded.ok || headers[REDRIVEN_FOR_HEADER] !== undefined) return [];
      return [decoded.value.payload.driver.id];
    });
  }

  /** The rides confirmed (by any partition), by id. */
  confirmedRideIds(): Set<string> {
    return new Set(
      this.collector.records.flatMap(({ topic, value, headers }) => {
        if (topic !== this.names.rideConfirmed.name) return [];
        const decoded = decode(this.names.rideConfirmed, value);
        if (!decoded.ok || headers[REDRIVEN_FOR_HEADER] !== undefined) return [];
        return [decoded.value.payload.rideId];
      }),
    );
  }

  /**
   * When each of these rides was decided: its outcome's timestamp (set by transaction as it
   * produced it), ms since the epoch; the first outcome of each ride.
   */
  decidedAt(rideIds: readonly string[]): number[] {
    return this.decisionTimes(rideIds).map((ride) => ride.decidedAt);
  }

  /**
   * When each of these rides was requested (its `requestedAt`, stamped by rides) and decided (its
   * first outcome's timestamp), ms since the epoch.
   */
  decisionTimes(rideIds: readonly string[]): { requestedAt: number; decidedAt: number }[] {
    const wanted = new Set(rideIds);
    const times = new Map<string, { requestedAt: number; decidedAt: number }>();
    for (const { topic, value, timestamp } of this.collector.records) {
      if (topic !== this.names.rideConfirmed.name && topic !== this.names.rideRejected.name)
        continue;
      const contract =
        topic === this.names.rideConfirmed.name
          ? this.names.rideConfirmed
          : this.names.rideRejected;
      const decoded = decode(contract, value);
      if (!decoded.ok || !wanted.has(decoded.value.payload.rideId)) continue;
      const { rideId, requestedAt } = decoded.value.payload;
      if (!times.has(rideId))
        times.set(rideId, {
          requestedAt: Date.parse(requestedAt),
          decidedAt: Date.parse(timestamp),
        });
    }
    return [...times.values()];
  }

  deadLetters() {
    return this.collector.records.filter(({ topic }) => topic.endsWith('.dlq'));
  }

  /** Resolves once every given ride has an outcome. */
  async waitForRides(rideIds: readonly string[], timeoutMs = 180_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.missing(rideIds).length > 0) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`no outcome for ${this.missing(rideIds).length} rides`);
      await this.collector.waitFor(this.collector.records.length + 1, remaining);
    }
  }

  missing(rideIds: readonly string[]): string[] {
    const seen = this.outcomesPerRide();
    return rideIds.filter((id) => !seen.has(id));
  }

  stop(): Promise<void> {
    return this.collector.stop();
  }
}

/** Counts per ride: the ride ids that appear more than once, with their counts. */
export const duplicatesIn = (counts: Map<string, number>): [string, number][] =>
  [...counts].filter(([, count]) => count > 1);
