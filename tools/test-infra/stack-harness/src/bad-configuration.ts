import { execFile } from 'node:child_process';
import path from 'node:path';
import type { ServiceName } from './service-process';
import { workspaceRoot } from './workspace';

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

/** Variables every service reads (libs/service-kit), each with a value it must refuse. */
const COMMON: readonly (readonly [string, string])[] = [
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

/**
 * The bad-configuration suite of one built service (its `int` target builds it first): each
 * variable every service reads, and each of `specific` (the service's own), with a bad value makes
 * the process exit 2 naming the variable, without a stack trace; a SASL mechanism without
 * credentials names both missing variables; a min ISR above the replication names
 * KAFKA_MIN_INSYNC_REPLICAS.
 */
export const describeBadConfiguration = (
  service: ServiceName,
  specific: readonly (readonly [string, string])[],
): void =>
  describe(`${service}: bad configuration`, () => {
    it.each([...COMMON, ...specific])(
      'when it gets %s=%p, then it exits 2 naming the variable',
      async (variable, value) => {
        const { code, stderr } = await runWith(service, { [variable]: value });

        expect(code).toBe(2);
        expect(stderr).toContain(`${variable}:`);
        expect(stderr).not.toMatch(/\n\s+at /);
      },
    );

    it('when it gets a SASL mechanism without credentials, then it exits 2 naming the missing variables', async () => {
      const { code, stderr } = await runWith(service, { KAFKA_SASL_MECHANISM: 'plain' });

      expect(code).toBe(2);
      expect(stderr).toContain('KAFKA_SASL_USERNAME: required');
      expect(stderr).toContain('KAFKA_SASL_PASSWORD: required');
    });

    it('when topics would need more in-sync replicas than their replication, then it exits 2 naming KAFKA_MIN_INSYNC_REPLICAS', async () => {
      const { code, stderr } = await runWith(service, {
        KAFKA_REPLICATION_FACTOR: '3',
        KAFKA_MIN_INSYNC_REPLICAS: '4',
      });

      expect(code).toBe(2);
      expect(stderr).toContain(
        'KAFKA_MIN_INSYNC_REPLICAS: must be at most KAFKA_REPLICATION_FACTOR',
      );
    });
  });
