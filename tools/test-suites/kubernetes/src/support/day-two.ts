import type { KafkaClient } from '@taxi/kafka';
import { exactlyOnce, Outcomes, SteadyLoad, type PipelineCounts } from '@taxi/stack-harness';
import { baseline, settleAndCount, type ClusterReaders } from './cluster-counts';
import { clusterKafka } from './cluster-kafka';
import { kubectl, NAMESPACE, recordFigure } from './kubectl';
import { PortForward } from './port-forward';

// What every day-two operation on the cluster shares (2-day-two.k8s.ts, 4-rolling-upgrade.k8s.ts):
// rides at a steady rate from 127.0.0.1 while the operation runs, then counted as the fault tests
// count: every accepted ride decided once, emailed once (Mailpit), counted once (/stats and the
// committed consumer groups), and no driver booked twice.

/** Rides per second. */
export const RATE = 5;
/** TAXI_K8S_LONG: each operation runs under ten times as many rides, and more is evicted. */
export const LONG = Boolean(process.env['TAXI_K8S_LONG']);
export const SPAN = LONG ? 10 : 1;
/** The services the overlays deploy, in the order a rollout goes through them. */
export const SERVICES = ['rides', 'transaction', 'email', 'analytics', 'web'] as const;
export type Service = (typeof SERVICES)[number];
export const TIMEOUT = 15 * 60_000;
/**
 * Drivers stay busy for their trip's real duration (tens of minutes, longer than this suite), so
 * a driver confirmed twice is a driver booked twice. The rides sent grow with how long each
 * operation takes (RATE per second throughout): ~500 on an idle machine, ~2,000 at a load
 * average of 30, so the fleet must outlast that. fleet_state 2 (ADR 038) deals the fleet once,
 * at each partition's first snapshot: the partitions that decided the dev overlay's few rides
 * (1-dev-overlay) keep the default fleet's deal (~34 drivers each), the others get this one's,
 * 800 each. With 2,400, as before fleet_state 2, only some 1,300 drivers were owned, and a run
 * at a load average of 30 rejected every ride of the upgrade, no driver left. A partition's
 * snapshot is then ~120 KB: above the 64 KiB of ordinary events, within the 900 KiB a state
 * snapshot may be (`maxMessageBytes`; at 64 KiB every restore refused it, and a restarted
 * transaction crash-looped).
 */
const FLEET = { FLEET_SIZE: '4800', DRIVER_BUSY_TIME_SCALE: '1' };

export const rollout = (deployment: string): Promise<string> =>
  kubectl('-n', NAMESPACE, 'rollout', 'status', `deployment/${deployment}`, '--timeout=5m');

/**
 * The deployed pipeline, read through port-forwards: rides to send to, the outcomes, Mailpit and
 * /stats to count. Opening it gives transaction the fleet above (a rollout only the first time)
 * and reads back every ride decided so far, so that counting starts from a settled pipeline.
 */
export class DayTwo {
  private confirmationsBefore = 0;

  private constructor(
    readonly rides: PortForward,
    private readonly forwards: readonly PortForward[],
    readonly kafka: KafkaClient,
    readonly readers: ClusterReaders,
  ) {}

  static async open(): Promise<DayTwo> {
    const [rides, analytics, mailpit, broker] = await Promise.all([
      PortForward.open('service/rides', 3000),
      PortForward.open('service/analytics', 3003),
      PortForward.open('service/mailpit', 8025),
      PortForward.open('pod/kafka-0', 9092),
    ]);
    const kafka = clusterKafka(broker);
    const outcomes = await Outcomes.follow(kafka, '');
    const readers = {
      kafka,
      outcomes,
      analyticsUrl: () => analytics.url,
      mailpitUrl: () => mailpit.url,
    };
    const dayTwo = new DayTwo(rides, [rides, analytics, mailpit, broker], kafka, readers);
    await kubectl(
      '-n',
      NAMESPACE,
      'set',
      'env',
      'deployment/transaction',
      ...Object.entries(FLEET).map(([name, value]) => `${name}=${value}`),
    );
    await rollout('transaction');
    // Every ride decided so far (the dev overlay's tests) read back before counting starts.
    await baseline(readers);
    dayTwo.confirmationsBefore = outcomes.driversConfirmed().length;
    return dayTwo;
  }

  async close(): Promise<void> {
    await this.readers.outcomes.stop();
    await Promise.all(this.forwards.map((forward) => forward.close()));
  }

  /**
   * Runs `operation` while rides arrive at RATE per second, starting once some are in and ending
   * some after it; then settles and counts them. The accepted ride ids come with the counts.
   */
  async underLoad(
    label: string,
    operation: (load: SteadyLoad) => Promise<void>,
  ): Promise<PipelineCounts & { acceptedIds: readonly string[] }> {
    const before = await baseline(this.readers);
    const load = SteadyLoad.start(() => this.rides.url, RATE, label);
    const started = Date.now();
    try {
      await load.acceptedMore(RATE * 2 * SPAN);
      await operation(load);
      await load.acceptedMore(RATE * 2 * SPAN);
    } catch (error) {
      await load.stop().catch(() => undefined);
      throw error;
    }
    const report = await load.stop();
    const counts = await settleAndCount(this.readers, before, report.accepted);
    recordFigure(
      `${label}: ${report.accepted.length} rides in ${((Date.now() - started) / 1000).toFixed(0)}s, ` +
        `${report.unavailable} refused or 503 and retried, rides' port-forward reopened ${this.rides.restarts}× so far; ` +
        `confirmed ${counts.confirmed}, rejected ${counts.rejected}, emails ${counts.emailsReceived}`,
    );
    return { ...counts, acceptedIds: report.accepted };
  }

  /** Drivers of the confirmations since day two began, and those confirmed more than once. */
  driversBooked(): { confirmations: number; twice: [string, number][] } {
    const drivers = this.readers.outcomes.driversConfirmed().slice(this.confirmationsBefore);
    const times = new Map<string, number>();
    for (const driver of drivers) times.set(driver, (times.get(driver) ?? 0) + 1);
    return { confirmations: drivers.length, twice: [...times].filter(([, n]) => n > 1) };
  }

  expectExactlyOnce(counts: PipelineCounts): void {
    expect(counts).toMatchObject({ ...exactlyOnce(counts.accepted), emailResends: 0 });
    expect(counts.confirmed + counts.rejected).toBe(counts.accepted);
    expect(counts.confirmed).toBeGreaterThan(0);
    expect(this.driversBooked().twice).toEqual([]);
  }
}
