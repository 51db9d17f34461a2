import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { workspaceRoot } from '@taxi/stack-harness';

interface ComposeFile {
  services: Record<string, { environment?: Record<string, string | number | boolean> } | undefined>;
}

/**
 * The variables docker-compose.yml gives a service (`<<` merge keys resolved, as Compose does).
 * Whether they match the service's config schema is tools/test-suites/deploy-checks' job; this run only
 * starts the services with them.
 */
export const composeEnvironment = (service: string): Record<string, string> => {
  const file = readFileSync(path.join(workspaceRoot, 'docker-compose.yml'), 'utf8');
  const definition = (parse(file, { merge: true }) as ComposeFile).services[service];
  if (!definition) throw new Error(`docker-compose.yml has no service ${service}`);
  return Object.fromEntries(
    Object.entries(definition.environment ?? {}).map(([name, value]) => [name, String(value)]),
  );
};
