import { decode, topicsFor } from '@taxi/events';
import { getJson, postRide, rideRequest, startStack, type Stack } from '@taxi/stack-harness';
import { describeTopics } from '@taxi/kafka';
import { collect, testKafka } from '@taxi/kafka/testing';
import { eventually } from '@taxi/testing';

interface Stats {
  confirmed: number;
  rejected: number;
  rejectionsByReason: Record<string, number>;
  fares: { total: { amount: number } };
}

describe('the ride pipeline, four processes, a real broker and a real SMTP server', () => {
  let stack: Stack;

  beforeAll(async () => {
    // Email logs one info line per batch and each email at debug, with its correlation id.
    stack = await startStack({ env: { email: { LOG_LEVEL: 'debug' } } });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('when rides are requested, then each is confirmed or rejected, emailed once, tracked and counted', async () => {
    const confirmedRides = [
      rideRequest({ customerId: 'alice', customerEmail: 'alice@example.com' }),
      rideRequest({ customerId: 'bob', customerEmail: 'bob@example.com', passengers: 3 }),
      rideRequest({
        customerId: 'carol',
        customerEmail: 'carol@example.com',
        paymentToken: 'tok_mastercard',
      }),
    ];
    const declined = rideRequest({
      customerId: 'dave',
      customerEmail: 'dave@example.com',
      paymentToken: 'tok_chargeDeclined',
    });
    const outOfArea = rideRequest({
      customerId: 'erin',
      customerEmail: 'erin@example.com',
      pickup: { lat: 48.8566, lng: 2.3522 },
      dropoff: { lat: 48.8606, lng: 2.3376 },
    });

    const accepted = await Promise.all(
      [...confirmedRides, declined, outOfArea].map((body, index) =>
        postRide(stack.ridesUrl, body, `e2e-corr-${index}`),
      ),
    );

    expect(accepted.map((a) => a.status)).toEqual([202, 202, 202, 202, 202]);
    const rideIds = accepted.map((a) => a.body['rideId'] as string);
    const emails = await stack.smtp.waitFor(5);
    const emailFor = (rideId: string) =>
      emails.filter((email) => email.header('x-ride-id') === rideId);
    for (const [index, rideId] of rideIds.slice(0, 3).entries()) {
      const [email, ...more] = emailFor(rideId);
      expect(more).toEqual([]);
      expect(email?.envelopeTo).toEqual([confirmedRides[index]?.customerEmail]);
      expect(email?.parsed.subject).toMatch(/^Ride confirmed: .+ arrives in about \d+ min$/);
      expect(email?.parsed.text).toContain(`Ride id: ${rideId}`);
      expect(email?.parsed.text).toMatch(/Fare: \$\d+\.\d{2}/);
      expect(email?.parsed.text).toMatch(/Vehicle: .+ plate TX-\d{4}/);
      expect(email?.parsed.html).toContain(rideId);
    }
    expect(emailFor(rideIds[3] as string)[0]?.parsed.text).toContain('your payment was declined');
    expect(emailFor(rideIds[4] as string)[0]?.parsed.text).toContain('no driver is available');

    const statuses = await Promise.all(
      rideIds.map((rideId) =>
        eventually(
          () =>
            getJson<{ status: string; reason?: string; driver?: unknown }>(
              `${stack.ridesUrl}/rides/${rideId}`,
            ),
          (response) => response.body.status !== 'requested',
        ),
      ),
    );
    expect(statuses.map((s) => s.body.status)).toEqual([
      'confirmed',
      'confirmed',
      'confirmed',
      'rejected',
      'rejected',
    ]);
    expect(statuses[0]?.body.driver).toBeDefined();
    expect(statuses.slice(3).map((s) => s.body.reason)).toEqual([
      'payment_declined',
      'no_driver_available',
    ]);

    const stats = await eventually(
      () => getJson<Stats>(`${stack.analyticsUrl}/stats`),
      (response) => response.body.confirmed + response.body.rejected >= 5,
    );
    expect(stats.body).toMatchObject({
      confirmed: 3,
      rejected: 2,
      rejectionsByReason: { payment_declined: 1, no_driver_available: 1 },
    });
    expect(stats.body.fares.total.amount).toBeGreaterThan(0);

    // The same ride can be followed through every service by its correlation id. Email logs it
    // once the batch is recorded in the ledger, which may come after the SMTP server has it.
    for (const service of ['transaction', 'email'] as const) {
      const traced = await eventually(
        async () =>
          stack.services[service].logs.some((line) => line['correlationId'] === 'e2e-corr-0'),
        (found) => found,
      );
      expect(traced).toBe(true);
    }
  });

  it('when metrics are scraped, then each service exports its domain counters', async () => {
    const text = async (port: number) => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();

    const [rides, transaction, email, analytics] = await Promise.all(
      (['rides', 'transaction', 'email', 'analytics'] as const).map((name) =>
        text(stack.ports[name]),
      ),
    );

    expect(rides).toMatch(/taxi_ride_requests_total\{[^}]*outcome="accepted"[^}]*\} [1-9]/);
    expect(rides).toMatch(
      /taxi_ride_request_to_outcome_seconds_count\{[^}]*status="confirmed"[^}]*\} [1-9]/,
    );
    expect(transaction).toMatch(/taxi_ride_decisions_total\{[^}]*outcome="confirmed"[^}]*\} 3/);
    expect(email).toMatch(
      /taxi_emails_total\{[^}]*kind="confirmation"[^}]*outcome="sent"[^}]*\} 3/,
    );
    expect(analytics).toMatch(/taxi_analytics_rides\{[^}]*status="confirmed"[^}]*\} 3/);
    for (const body of [rides, transaction, email, analytics])
      expect(body).toContain('process_cpu_seconds_total');
    expect(transaction).toMatch(/taxi_consumer_lag\{[^}]*topic="[^"]*ride_details"[^}]*\} \d+/);
    expect(email).toMatch(/taxi_consumer_lag\{[^}]*topic="[^"]*ride_confirmed"[^}]*\} \d+/);
  });

  it('when probes are called, then every service is alive and ready', async () => {
    for (const name of ['rides', 'transaction', 'email', 'analytics'] as const) {
      const health = await getJson(`http://127.0.0.1:${stack.ports[name]}/healthz`);
      const ready = await getJson(`http://127.0.0.1:${stack.ports[name]}/readyz`);

      expect(health.status).toBe(200);
      expect(ready).toMatchObject({ status: 200, body: { status: 'ready' } });
    }
  });

  it('when the minute closes, then analytics publishes that window to ride_analytics, counting each ride once', async () => {
    const contract = topicsFor(stack.prefix).rideAnalytics;
    const summaries = await collect(testKafka(), [contract.name]);
    const windows = () =>
      summaries.records.flatMap(({ value }) => {
        const decoded = decode(contract, value);
        return decoded.ok ? [decoded.value.payload] : [];
      });
    const counted = () => windows().reduce((n, w) => n + w.confirmed + w.rejected, 0);

    try {
      // Waits for the window(s) holding the first test's five rides to close (up to a minute).
      while (counted() < 5) await summaries.waitFor(summaries.records.length + 1, 90_000);

      const withRides = windows().filter((w) => w.confirmed + w.rejected > 0);
      expect(withRides.reduce((n, w) => n + w.confirmed, 0)).toBe(3);
      expect(withRides.reduce((n, w) => n + w.rejected, 0)).toBe(2);
      expect(new Set(windows().map((w) => w.windowStart)).size).toBe(windows().length);
      expect(summaries.records.length).toBe(windows().length);
    } finally {
      await summaries.stop();
    }
  }, 120_000);

  it('when bad requests are sent to the real service, then each gets a 4xx and nothing reaches ride_details', async () => {
    const kafka = testKafka();
    const topic = topicsFor(stack.prefix).rideRequested.name;
    const endOffsets = async () =>
      (await describeTopics(kafka, [topic]))[0]?.partitions.map((p) => p.end).join(',');
    const before = await endOffsets();
    const send = (body: string, contentType = 'application/json') =>
      fetch(`${stack.ridesUrl}/rides`, {
        method: 'POST',
        body,
        headers: { 'content-type': contentType },
      });

    const answers = await Promise.all([
      send('{"customerId": '),
      send(JSON.stringify(rideRequest({ passengers: 0 }))),
      send(JSON.stringify({ ...rideRequest(), pickup: { lat: 200, lng: 0 } })),
      send(JSON.stringify(rideRequest()), 'text/plain'),
      send(JSON.stringify({ ...rideRequest(), customerId: 'x'.repeat(20_000) })),
    ]);
    const after = await endOffsets();

    expect(answers.map((a) => a.status)).toEqual([400, 400, 400, 415, 413]);
    expect(after).toBe(before);
  });
});
