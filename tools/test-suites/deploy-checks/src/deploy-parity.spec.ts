import { z } from 'zod';
import { deployParityProblems } from './deploy-parity';
import { type DeployedEnvironment } from './deployed-environments';

// The helper behind app-deployments.spec.ts, on a schema of its own: it must find each kind of
// mismatch, or the per-app rows prove nothing.
const schema = z.object({
  HTTP_PORT: z.coerce.number().int().default(3000),
  BROKERS: z.string().min(1),
  SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
});

const environment = (overrides: Partial<DeployedEnvironment> = {}): DeployedEnvironment => ({
  where: 'test',
  variables: { BROKERS: { value: 'kafka:9092' } },
  expectedPorts: [{ what: 'containerPort', port: 3000 }],
  unreadable: [],
  ...overrides,
});

describe('deployParityProblems', () => {
  it('when the environment matches the schema, then there is no problem', () => {
    expect(deployParityProblems(schema, environment())).toEqual([]);
  });

  it('when a variable is set that the service does not read, then it is named', () => {
    const deployed = environment({
      variables: { BROKERS: { value: 'kafka:9092' }, BROKER: { value: 'kafka:9092' } },
    });

    expect(deployParityProblems(schema, deployed)).toEqual([
      'BROKER is set, but the service does not read it',
    ]);
  });

  it('when a variable of the runtime profile is set, then Node or malloc reads it and it is no problem', () => {
    const deployed = environment({
      variables: {
        BROKERS: { value: 'kafka:9092' },
        NODE_OPTIONS: { value: '--max-old-space-size-percentage=60' },
        MALLOC_ARENA_MAX: { value: '4' },
      },
    });

    expect(deployParityProblems(schema, deployed)).toEqual([]);
  });

  it('when a variable without a default is not set, then it is named', () => {
    expect(deployParityProblems(schema, environment({ variables: {} }))).toEqual([
      'BROKERS has no default and is not set',
      'BROKERS: Invalid input: expected string, received undefined',
    ]);
  });

  it('when a value does not parse, then the schema message is given', () => {
    const deployed = environment({
      variables: { BROKERS: { value: 'kafka:9092' }, SMTP_URL: { value: 'http://mail' } },
    });

    expect(deployParityProblems(schema, deployed)).toEqual([expect.stringMatching(/^SMTP_URL: /)]);
  });

  it('when a value is in a Secret outside the manifests, then only its presence is checked', () => {
    const deployed = environment({
      variables: { BROKERS: { value: 'kafka:9092' }, SMTP_URL: { secret: 'smtp', key: 'url' } },
    });

    expect(deployParityProblems(schema, deployed)).toEqual([]);
  });

  it('when a Secret in the manifests holds a bad value, then it is checked like any value', () => {
    const deployed = environment({
      variables: {
        BROKERS: { value: 'kafka:9092' },
        SMTP_URL: { secret: 'smtp', key: 'url', value: 'mailpit:1025' },
      },
    });

    expect(deployParityProblems(schema, deployed)).toEqual([expect.stringMatching(/^SMTP_URL: /)]);
  });

  it('when the deployment expects another port than HTTP_PORT, then it is named', () => {
    const deployed = environment({
      variables: { BROKERS: { value: 'kafka:9092' }, HTTP_PORT: { value: '3001' } },
    });

    expect(deployParityProblems(schema, deployed)).toEqual([
      'containerPort is 3000, but HTTP_PORT is 3001',
    ]);
  });

  it('when the reader could not follow a source, then that is a problem too', () => {
    const deployed = environment({ unreadable: ['env_file: variables outside the file'] });

    expect(deployParityProblems(schema, deployed)).toEqual([
      'env_file: variables outside the file',
    ]);
  });
});
