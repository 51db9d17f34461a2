import type { AddressInfo, Socket } from 'node:net';
import PostalMime, { type Email } from 'postal-mime';
import { SMTPServer } from 'smtp-server';

export interface ReceivedEmail {
  readonly envelopeTo: string[];
  readonly parsed: Email;
  readonly header: (name: string) => string | undefined;
}

/**
 * The replies to what one read brought go out in one write, as a production MTA sends them:
 * Postfix's smtpd flushes its replies only once it has read all the pipelined input it holds.
 * smtp-server writes each reply as it is made, so a client's pipelined MAIL, RCPT and DATA got
 * three writes (and the client three wake-ups) where one does.
 */
export const replyOncePerRead = (socket: Socket): void => {
  let corked = false;
  const flush = () => {
    corked = false;
    socket.uncork();
  };
  socket.prependListener('data', () => {
    if (corked) return;
    corked = true;
    socket.cork();
    setImmediate(flush);
  });
};

/** A real SMTP server on loopback that keeps every email it accepts, parsed. */
export class SmtpSink {
  readonly received: ReceivedEmail[] = [];
  private readonly byRide = new Map<string, ReceivedEmail[]>();
  private waiters: { count: number; resolve: () => void }[] = [];
  /** While set, every RCPT is refused with this SMTP reply code (e.g. 451 to simulate an outage). */
  refuseWith: number | undefined;
  /** Recipients refused with a code whatever `refuseWith` says (e.g. 550: no such mailbox). */
  readonly refusedRecipients = new Map<string, number>();
  /** How many RCPTs were refused so far. */
  refusals = 0;
  /** Emails accepted so far (also counted in `countOnly` mode). */
  count = 0;

  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
  ) {}

  /**
   * `countOnly`: count what arrives without parsing or keeping it (a bench sends a million emails);
   * `received` then stays empty and `count` is what to wait on.
   */
  static async start(options: { countOnly?: boolean } = {}): Promise<SmtpSink> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      // Nobody reads the client's host name: no reverse DNS lookup per connection.
      disableReverseLookup: true,
      // Every sender is accepted at once; smtp-server's default answers a turn of the event loop later.
      onMailFrom: (_address, _session, callback) => callback(),
      onRcptTo: (_address, _session, callback) => {
        const code = sink.refusedRecipients.get(_address.address) ?? sink.refuseWith;
        if (code === undefined) return callback();
        sink.refusals += 1;
        const error = Object.assign(new Error('mailbox unavailable, try later'), {
          responseCode: code,
        });
        callback(error);
      },
      onData: (stream, session, callback) => {
        if (options.countOnly) {
          stream.resume();
          stream.on('end', () => {
            sink.count += 1;
            callback();
          });
          return;
        }
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          PostalMime.parse(Buffer.concat(chunks))
            .then((parsed) => {
              sink.accept({
                envelopeTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
                parsed,
                header: (name) =>
                  parsed.headers.find((h) => h.key.toLowerCase() === name.toLowerCase())?.value,
              });
              callback();
            })
            .catch(callback);
        });
      },
    });
    // A client killed mid-conversation (the fault tests do that) resets its connection: expected.
    server.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') throw error;
    });
    server.server.on('connection', replyOncePerRead);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const sink = new SmtpSink(server, (server.server.address() as AddressInfo).port);
    return sink;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  private accept(email: ReceivedEmail) {
    this.count += 1;
    this.received.push(email);
    const rideId = email.header('x-ride-id') ?? '(none)';
    this.byRide.set(rideId, [...(this.byRide.get(rideId) ?? []), email]);
    const ready = this.waiters.filter((w) => this.received.length >= w.count);
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    ready.forEach((w) => w.resolve());
  }

  /** Ride id (X-Ride-Id header) → emails received for it. */
  perRide(): ReadonlyMap<string, ReceivedEmail[]> {
    return this.byRide;
  }

  /** Resolves once every given ride has at least one email. */
  async waitForRides(rideIds: readonly string[]): Promise<void> {
    const wanted = new Set(rideIds);
    for (const id of wanted) if (this.byRide.has(id)) wanted.delete(id);
    while (wanted.size > 0) {
      const before = this.received.length;
      await this.waitFor(before + 1);
      for (const email of this.received.slice(before))
        wanted.delete(email.header('x-ride-id') ?? '');
    }
  }

  waitFor(count: number): Promise<ReceivedEmail[]> {
    if (this.received.length >= count) return Promise.resolve(this.received);
    return new Promise((resolve) =>
      this.waiters.push({ count, resolve: () => resolve(this.received) }),
    );
  }

  /** The server goes away: stops listening and drops every open connection. */
  disappear(): Promise<void> {
    for (const connection of (
      this.server as unknown as { connections: Set<{ _socket?: { destroy(): void } }> }
    ).connections) {
      connection._socket?.destroy();
    }
    return new Promise((resolve) => this.server.server.close(() => resolve()));
  }

  /** Listens again on the same port. */
  reappear(): Promise<void> {
    return new Promise((resolve) =>
      this.server.server.listen(this.port, '127.0.0.1', () => resolve()),
    );
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
