import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  getJson,
  postRide,
  rideRequest,
  startService,
  type ServiceName,
  type ServiceProcess,
  SmtpSink,
} from '@taxi/stack-harness';
import { eventually } from '@taxi/testing';
import { composeEnvironment } from './support/compose-environment';

/**
 * `docker compose up` as close as this machine gets without Docker: the four built services, each
 * with the environment docker-compose.yml gives it, changed only where this machine is not the
 * compose network: the broker address, the mail server (compose's Mailpit), HTTP ports (0: any
 * free one), the rides store (a temporary directory, not compose's volume), and a fresh topic
 * prefix and consumer groups so the run shares nothing with other runs on the same broker.
 */
describe('the docker-compose.yml topology, run as native processes', () => {
  const run = randomUUID().slice(0, 8);
  const services = {} as Record<ServiceName, { process: ServiceProcess; port: number }>;
  let smtp: SmtpSink;
  const ridesStore = mkdtempSync(path.join(tmpdir(), `compose-${run}-rides-`));

  const localEnv = (name: ServiceName): Record<string, string> => {
    const compose = composeEnvironment(name);
    const brokers = process.env['KAFKA_BROKERS'];
    if (!brokers) throw new Error('KAFKA_BROKERS is not set: run through `npm run test:int`');
    return {
      ...compose,
      KAFKA_BROKERS: brokers,
      HTTP_PORT: '0',
      KAFKA_TOPIC_PREFIX: `compose-${run}.`,
      ...('SMTP_URL' in compose && { SMTP_URL: smtp.url }),
      ...('RIDES_STORE_DIR' in compose && { RIDES_STORE_DIR: ridesStore }),
      // Compose's Jaeger is not here: empty turns tracing off (tracing.int.test.ts covers it).
      ...('OTEL_EXPORTER_OTLP_ENDPOINT' in compose && { OTEL_EXPORTER_OTLP_ENDPOINT: '' }),
      // Consumer group ids are not prefixed by KAFKA_TOPIC_PREFIX: a shared default group would
      // split partitions with another stack on the same broker.
      ...(name !== 'rides' && { KAFKA_GROUP_ID: `compose-${run}-${name}` }),
    };
  };

  beforeAll(async () => {
    smtp = await SmtpSink.start();
    const start = async (name: ServiceName) => {
      services[name] = await startService(name, localEnv(name), 'joined consumer group');
    };
    // The first service creates the topics; the others then start together.
    await start('transaction');
    await Promise.all((['email', 'analytics', 'rides'] as const).map(start));
  });

  afterAll(async () => {
    await Promise.all(Object.values(services).map((service) => service.process.stop()));
    await smtp?.stop();
    rmSync(ridesStore, { recursive: true, force: true });
  });

  it('when compose configures a service, then it sets the variables this run replaces', () => {
    const replaced = (name: ServiceName) => Object.keys(composeEnvironment(name));

    for (const name of ['rides', 'transaction', 'email', 'analytics'] as const)
      expect(replaced(name)).toEqual(
        expect.arrayContaining(['KAFKA_BROKERS', 'HTTP_PORT', 'OTEL_EXPORTER_OTLP_ENDPOINT']),
      );
    expect(replaced('email')).toContain('SMTP_URL');
    expect(replaced('rides')).toContain('RIDES_STORE_DIR');
  });

  it('when a ride is requested, then it is emailed over SMTP and becomes confirmed', async () => {
    const ridesUrl = `http://127.0.0.1:${services.rides.port}`;

    const accepted = await postRide(
      ridesUrl,
      rideRequest({ customerEmail: 'compose@example.com' }),
    );

    expect(accepted.status).toBe(202);
    const rideId = accepted.body['rideId'] as string;
    const [email] = await smtp.waitFor(1);
    expect(email?.header('x-ride-id')).toBe(rideId);
    expect(email?.envelopeTo).toEqual(['compose@example.com']);
    expect(email?.parsed.subject).toMatch(/^Ride confirmed: /);
    const ride = await eventually(
      () => getJson<{ status: string }>(`${ridesUrl}/rides/${rideId}`),
      (response) => response.body.status !== 'requested',
    );
    expect(ride).toMatchObject({ status: 200, body: { status: 'confirmed' } });
  });

  it('when compose stops the stack (SIGTERM), then every service exits cleanly', async () => {
    const codes = await Promise.all(
      Object.values(services).map((service) => service.process.stop('SIGTERM')),
    );

    expect(codes).toEqual([0, 0, 0, 0]);
  });
});
