import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import {
  booleanFlag,
  commonEnv,
  ConfigError,
  ensureWritableDirectory,
  port,
  readConfig,
  withKafkaChecks,
} from './config';

const schema = z.object({ ...commonEnv, HTTP_PORT: port(8080) });

/** The ConfigError `read` throws; fails the test if it throws anything else or nothing. */
const configErrorOf = (read: () => unknown): ConfigError => {
  try {
    read();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
};
const problemsOf = (read: () => unknown) => configErrorOf(read).problems;

describe('readConfig', () => {
  it('when nothing is set, then every default applies', () => {
    const config = readConfig(schema, {});

    expect(config).toMatchObject({
      KAFKA_BROKERS: ['127.0.0.1:9092'],
      KAFKA_SSL: false,
      KAFKA_SASL_MECHANISM: undefined,
      KAFKA_REPLICATION_FACTOR: 1,
      KAFKA_MIN_INSYNC_REPLICAS: undefined,
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      HTTP_PORT: 8080,
    });
  });

  it('when variables are set, then they are parsed into their types', () => {
    const config = readConfig(schema, {
      KAFKA_BROKERS: 'kafka-1:9092, kafka-2:19092',
      HTTP_PORT: '3001',
      LOG_LEVEL: 'debug',
    });

    expect(config.KAFKA_BROKERS).toEqual(['kafka-1:9092', 'kafka-2:19092']);
    expect(config.HTTP_PORT).toBe(3001);
    expect(config.LOG_LEVEL).toBe('debug');
  });

  it('when variables are malformed, then a ConfigError names each of them', () => {
    const env = { KAFKA_BROKERS: 'nohostport', HTTP_PORT: 'abc' };

    const error = configErrorOf(() => readConfig(schema, env));

    expect(error.problems.map((problem) => problem.variable).sort()).toEqual([
      'HTTP_PORT',
      'KAFKA_BROKERS',
    ]);
    expect(error.message).toContain('KAFKA_BROKERS');
    expect(error.message).toContain('HTTP_PORT');
  });

  it('when a port is out of range, then it is refused', () => {
    const problems = problemsOf(() => readConfig(schema, { HTTP_PORT: '65536' }));

    expect(problems.map((problem) => problem.variable)).toEqual(['HTTP_PORT']);
  });

  it('when a variable is set to the empty string, then it counts as unset', () => {
    const config = readConfig(withKafkaChecks(schema), {
      HTTP_PORT: '',
      KAFKA_SSL: '',
      KAFKA_SASL_MECHANISM: '',
    });

    expect(config.HTTP_PORT).toBe(8080);
    expect(config.KAFKA_SSL).toBe(false);
    expect(config.KAFKA_SASL_MECHANISM).toBeUndefined();
  });

  it('when the environment has variables the schema does not know, then they are ignored', () => {
    const config = readConfig(z.object({ HTTP_PORT: port(8080) }), {
      HTTP_PORT: '9000',
      PATH: '/usr/bin',
    });

    expect(config).toEqual({ HTTP_PORT: 9000 });
  });
});

describe('booleanFlag', () => {
  const flags = z.object({ FLAG: booleanFlag(false), ON_BY_DEFAULT: booleanFlag(true) });

  it.each([
    ['true', true],
    ['1', true],
    ['false', false],
    ['0', false],
  ])('when the flag is %p, then it reads as %p', (value, expected) => {
    expect(readConfig(flags, { FLAG: value }).FLAG).toBe(expected);
  });

  it('when a flag is unset, then its default applies', () => {
    expect(readConfig(flags, {})).toEqual({ FLAG: false, ON_BY_DEFAULT: true });
  });

  it('when the flag is not a boolean word, then it is refused', () => {
    const problems = problemsOf(() => readConfig(flags, { FLAG: 'yes' }));

    expect(problems).toEqual([{ variable: 'FLAG', message: 'must be true or false' }]);
  });
});

describe('withKafkaChecks', () => {
  const sasl = withKafkaChecks(schema);

  it('when a SASL mechanism is set without credentials, then both credentials are required', () => {
    const problems = problemsOf(() => readConfig(sasl, { KAFKA_SASL_MECHANISM: 'scram-sha-512' }));

    expect(problems.map((problem) => problem.variable).sort()).toEqual([
      'KAFKA_SASL_PASSWORD',
      'KAFKA_SASL_USERNAME',
    ]);
  });

  it('when a SASL mechanism is set with only a user name, then the password is required', () => {
    const problems = problemsOf(() =>
      readConfig(sasl, { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'svc' }),
    );

    expect(problems.map((problem) => problem.variable)).toEqual(['KAFKA_SASL_PASSWORD']);
  });

  it('when the mechanism and both credentials are set, then the config is accepted', () => {
    const config = readConfig(sasl, {
      KAFKA_SASL_MECHANISM: 'plain',
      KAFKA_SASL_USERNAME: 'svc',
      KAFKA_SASL_PASSWORD: 's3cret',
    });

    expect(config).toMatchObject({
      KAFKA_SASL_MECHANISM: 'plain',
      KAFKA_SASL_USERNAME: 'svc',
      KAFKA_SASL_PASSWORD: 's3cret',
    });
  });

  it('when no mechanism is set, then no credentials are required', () => {
    const config = readConfig(sasl, {});

    expect(config.KAFKA_SASL_MECHANISM).toBeUndefined();
  });

  it('when topics would need more in-sync replicas than they have, then KAFKA_MIN_INSYNC_REPLICAS is refused', () => {
    const problems = problemsOf(() =>
      readConfig(sasl, { KAFKA_REPLICATION_FACTOR: '1', KAFKA_MIN_INSYNC_REPLICAS: '2' }),
    );

    expect(problems).toEqual([
      {
        variable: 'KAFKA_MIN_INSYNC_REPLICAS',
        message: 'must be at most KAFKA_REPLICATION_FACTOR (1), or every write is refused',
      },
    ]);
  });

  it('when replication is 3 and min ISR 2, as in production, then both are accepted', () => {
    const config = readConfig(sasl, {
      KAFKA_REPLICATION_FACTOR: '3',
      KAFKA_MIN_INSYNC_REPLICAS: '2',
    });

    expect(config).toMatchObject({ KAFKA_REPLICATION_FACTOR: 3, KAFKA_MIN_INSYNC_REPLICAS: 2 });
  });

  it('when min ISR is not a positive number, then it is refused', () => {
    const problems = problemsOf(() => readConfig(sasl, { KAFKA_MIN_INSYNC_REPLICAS: '0' }));

    expect(problems.map((problem) => problem.variable)).toEqual(['KAFKA_MIN_INSYNC_REPLICAS']);
  });
});

describe('ensureWritableDirectory', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'writable-'));
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('when the folder is missing under a writable parent, then it is created', () => {
    const dir = path.join(root, 'a', 'b');

    ensureWritableDirectory('STORE_DIR', dir);

    expect(statSync(dir).isDirectory()).toBe(true);
  });

  it('when the folder cannot be created or written, then a ConfigError names the variable and the folder', () => {
    const file = path.join(root, 'a-file');
    writeFileSync(file, '');

    const problems = problemsOf(() =>
      ensureWritableDirectory('STORE_DIR', path.join(file, 'below')),
    );

    expect(problems).toEqual([
      {
        variable: 'STORE_DIR',
        message: expect.stringMatching(/a-file\/below \(ENOTDIR\): set it to a writable folder$/),
      },
    ]);
  });
});
