import { setInterval as every } from 'node:timers/promises';
import { sendRides } from './load';
import { rideRequest } from './rides-client';

export interface SteadyLoadReport {
  /** Ride ids that got a 202, each once. */
  readonly accepted: string[];
  /** 503 answers and refused connections seen (and retried). */
  readonly unavailable: number;
  readonly seconds: number;
}

/**
 * Ride requests at a steady rate from 127.0.0.1 until stopped: each one sent as the fault tests'
 * load sends it (its own Idempotency-Key, retried after a 503 or a refused connection until
 * accepted), so a restart on the way is seen as a client sees it. Every 10th card is declined.
 */
export class SteadyLoad {
  readonly accepted: string[] = [];
  private unavailable = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly errors: Error[] = [];
  private stopped = false;
  private readonly waiters: {
    count: number;
    resolve: () => void;
    reject: (error: Error) => void;
  }[] = [];
  /** The label as it may appear in a customer id and an email address. */
  private readonly slug: string;
  private readonly ticking: Promise<void>;
  private readonly startedAt = Date.now();

  private constructor(ridesUrl: () => string, perSecond: number, label: string) {
    this.slug = label
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '');
    this.ticking = this.tick(ridesUrl, perSecond);
  }

  static start(ridesUrl: () => string, perSecond: number, label: string): SteadyLoad {
    return new SteadyLoad(ridesUrl, perSecond, label);
  }

  private async tick(ridesUrl: () => string, perSecond: number): Promise<void> {
    let n = 0;
    for await (const _ of every(1000 / perSecond)) {
      if (this.stopped) return;
      const ride = n;
      n += 1;
      const sent = sendRides(ridesUrl, {
        count: 1,
        concurrency: 1,
        body: () =>
          rideRequest({
            customerId: `${this.slug}-${ride % 97}`,
            customerEmail: `${this.slug}-${ride}@example.com`,
            paymentToken: ride % 10 === 9 ? 'tok_chargeDeclined' : 'tok_visa',
          }),
      })
        .then((report) => {
          this.unavailable += report.unavailable;
          this.accepted.push(...report.accepted);
          for (const waiter of this.waiters.filter((w) => this.accepted.length >= w.count)) {
            this.waiters.splice(this.waiters.indexOf(waiter), 1);
            waiter.resolve();
          }
        })
        .catch((error: Error) => {
          this.errors.push(error);
          this.waiters.forEach((w) => w.reject(error));
        })
        .finally(() => this.inFlight.delete(sent));
      this.inFlight.add(sent);
    }
  }

  /** Resolves once `more` rides beyond those accepted so far are accepted; fails with a ride that failed. */
  acceptedMore(more: number): Promise<void> {
    const count = this.accepted.length + more;
    if (this.errors[0]) return Promise.reject(this.errors[0]);
    return new Promise((resolve, reject) => this.waiters.push({ count, resolve, reject }));
  }

  /** Stops sending; resolves once every ride sent is accepted. Fails if any was not. */
  async stop(): Promise<SteadyLoadReport> {
    this.stopped = true;
    await this.ticking;
    await Promise.all([...this.inFlight]);
    if (this.errors.length > 0) throw this.errors[0];
    return {
      accepted: [...this.accepted],
      unavailable: this.unavailable,
      seconds: (Date.now() - this.startedAt) / 1000,
    };
  }
}
