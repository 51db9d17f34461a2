import path from 'node:path';
import { parse } from 'dotenv';
import type { z } from 'zod';
import { readConfig } from '@taxi/service-kit';
import { readWorkspaceFile, workspaceRoot } from './deploy-files';
import type { DeployedEnvironment, DeployedService, DeployedValue } from './deployed-environments';

/**
 * Deployment parity: the environment a deployment gives a service (./deployed-environments) is
 * exactly what the service's config schema accepts, its values parse, and its ports agree.
 */

/** A service's config schema: its keys are the variable names (libs/service-kit's EnvSchema). */
export type EnvSchema = z.ZodObject<Record<string, z.ZodType>>;

const configProblems = (error: unknown): { variable: string; message: string }[] | undefined =>
  error instanceof Error && 'problems' in error
    ? (error.problems as { variable: string; message: string }[])
    : undefined;

const isUnknownSecret = (value: DeployedValue) => 'secret' in value && value.value === undefined;

/**
 * Read by Node and glibc, not by the service: the runtime profile's variables (ADR 034), which a
 * deployment may set to override the profile without the service's config schema knowing.
 */
const READ_BY_THE_RUNTIME = Object.keys(parse(readWorkspaceFile('deploy/runtime/profile.env')));

/**
 * What is wrong with a deployed environment for this schema: variables the service does not
 * read, variables without a default that are not set, values that do not parse, ports that are
 * not the one the service listens on (values are read with readConfig, as the service reads them
 * at start-up). Values held in Secrets outside the manifests (created by
 * you or an operator) cannot be read here: only their presence is checked.
 */
export const deployParityProblems = (
  schema: EnvSchema,
  deployed: DeployedEnvironment,
): string[] => {
  const accepted = [...Object.keys(schema.shape), ...READ_BY_THE_RUNTIME];
  const problems = [...deployed.unreadable];
  for (const name of Object.keys(deployed.variables))
    if (!accepted.includes(name)) problems.push(`${name} is set, but the service does not read it`);
  for (const [name, field] of Object.entries(schema.shape))
    if (!(name in deployed.variables) && !field.safeParse(undefined).success)
      problems.push(`${name} has no default and is not set`);

  const secretsElsewhere = new Set(
    Object.entries(deployed.variables)
      .filter(([, value]) => isUnknownSecret(value))
      .map(([name]) => name),
  );
  const env = Object.fromEntries(
    Object.entries(deployed.variables).map(([name, value]) => [
      name,
      value.value ?? `<from Secret ${'secret' in value ? value.secret : ''}>`,
    ]),
  );
  try {
    const port = readConfig(schema, env)['HTTP_PORT'];
    for (const expected of deployed.expectedPorts)
      if (expected.port !== port)
        problems.push(`${expected.what} is ${expected.port}, but HTTP_PORT is ${String(port)}`);
  } catch (error) {
    const invalid = configProblems(error);
    if (!invalid) throw error;
    for (const { variable, message } of invalid)
      if (!secretsElsewhere.has(variable)) problems.push(`${variable}: ${message}`);
  }
  return problems;
};

/** The port the image's HEALTHCHECK probes when HTTP_PORT is unset (deploy/docker/healthcheck.js). */
export const imageHealthcheckDefaultPort = (service: DeployedService): number | undefined => {
  const { defaultPorts } = require(path.join(workspaceRoot, 'deploy/docker/healthcheck.js')) as {
    defaultPorts: Record<string, number | undefined>;
  };
  return defaultPorts[service];
};
