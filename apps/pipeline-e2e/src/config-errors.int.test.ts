import { execFile } from 'node:child_process';
import path from 'node:path';
import { type ServiceName, workspaceRoot } from '@taxi/stack-harness';

/** Runs a built service with the given environment; resolves with its exit code and stderr. */
const runWith = (service: ServiceName, env: Record<string, string>) =>
  new Promise<{ code: number | null; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [path.join(workspaceRoot, 'dist/apps', service, 'main.js')],
      // An unreachable broker: a service that got past its config would hang, not exit 2.
      {
        env: { PATH: process.env['PATH'] ?? '', KAFKA_BROKERS: '127.0.0.1:1', ...env },
        timeout: 20_000,
      },
      (error, _stdout, stderr) =>
        resolve({ code: error ? (error.code as number | null) : 0, stderr }),
    );
  });

const common: [string, string][] = [
  ['KAFKA_BROKERS', 'no-port-here'],
  ['KAFKA_SSL', 'maybe'],
  ['KAFKA_SASL_MECHANISM', 'kerberos'],
  ['KAFKA_TOPIC_PREFIX', 'has spaces'],
  ['KAFKA_SESSION_TIMEOUT_MS', '10'],
  ['KAFKA_REPLICATION_FACTOR', '0'],
  ['KAFKA_MIN_INSYNC_REPLICAS', 'two'],
  ['LOG_LEVEL', 'loud'],
  ['LOG_FORMAT', 'xml'],
  ['HTTP_PORT', '70000'],
];

const specific: Record<ServiceName, [string, string][]> = {
  rides: [
    ['PUBLISH_TIMEOUT_MS', '-5'],
    ['MAX_BODY_BYTES', 'big'],
  ],
  transaction: [
    ['FLEET_SIZE', '0'],
    ['FLEET_SEED', '1.5'],
    ['FLEET_CENTER_LAT', '91'],
    ['FLEET_CENTER_LNG', '-181'],
    ['FLEET_RADIUS_KM', '-1'],
    ['MAX_PICKUP_KM', 'far'],
    ['DRIVER_BUSY_TIME_SCALE', '2'],
    ['PARTITIONS_CONSUMED_CONCURRENTLY', '0'],
  ],
  email: [
    ['SMTP_URL', 'http://mail.example.com'],
    ['SMTP_POOL_SIZE', '0'],
    ['EMAIL_FROM', 'x'],
    ['MESSAGE_ID_DOMAIN', 'bad domain'],
    ['SEND_RETRY_ATTEMPTS', '0'],
    ['SEND_RETRY_MAX_DELAY_MS', 'soon'],
    ['PARTITIONS_CONSUMED_CONCURRENTLY', '-1'],
  ],
  analytics: [
    ['SUMMARY_INTERVAL_MS', '0'],
    ['SUMMARY_INTERVAL_MS', '90000'],
  ],
  web: [
    ['RIDES_URL', 'ftp://rides'],
    ['FLEET_CENTER_LAT', '-91'],
    ['FLEET_RADIUS_KM', '0'],
    ['RECENT_EVENTS', '0'],
    ['OPERATIONS_INTERVAL_MS', 'often'],
  ],
};

const cases = (Object.keys(specific) as ServiceName[]).flatMap((service) =>
  [...common, ...specific[service]].map(([variable, value]) => [service, variable, value] as const),
);

describe('bad configuration', () => {
  it.each(cases)(
    'when %s gets %s=%p, then it exits 2 naming the variable',
    async (service, variable, value) => {
      const { code, stderr } = await runWith(service, { [variable]: value });

      expect(code).toBe(2);
      expect(stderr).toContain(`${variable}:`);
      expect(stderr).not.toMatch(/\n\s+at /);
    },
  );

  it.each(['rides', 'transaction', 'email', 'analytics', 'web'] as const)(
    'when %s gets a SASL mechanism without credentials, then it exits 2 naming the missing variables',
    async (service) => {
      const { code, stderr } = await runWith(service, { KAFKA_SASL_MECHANISM: 'plain' });

      expect(code).toBe(2);
      expect(stderr).toContain('KAFKA_SASL_USERNAME: required');
      expect(stderr).toContain('KAFKA_SASL_PASSWORD: required');
    },
  );

  it.each(['rides', 'transaction', 'email', 'analytics', 'web'] as const)(
    'when %s is told topics need more in-sync replicas than their replication, then it exits 2 naming KAFKA_MIN_INSYNC_REPLICAS',
    async (service) => {
      const { code, stderr } = await runWith(service, {
        KAFKA_REPLICATION_FACTOR: '3',
        KAFKA_MIN_INSYNC_REPLICAS: '4',
      });

      expect(code).toBe(2);
      expect(stderr).toContain(
        'KAFKA_MIN_INSYNC_REPLICAS: must be at most KAFKA_REPLICATION_FACTOR',
      );
    },
  );
});
