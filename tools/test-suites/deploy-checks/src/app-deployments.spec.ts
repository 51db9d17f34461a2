import { readConfig } from '@taxi/service-kit';
import { appConfigSchema as configSchema, composeApps } from './deploy-files';
import { deployParityProblems, imageHealthcheckDefaultPort } from './deploy-parity';
import { deployedEnvironments } from './deployed-environments';

// Every app docker-compose.yml builds (`--build-arg APP`), in docker-compose.yml and every k8s
// overlay (rendered with kubectl kustomize), against the app's config schema, read with
// readConfig as the service reads it at start-up. One row per app, so a new app is checked
// without a new spec.

const apps = composeApps();

const rows = apps.flatMap((app) =>
  deployedEnvironments(app).map((deployed) => [app, deployed.where, deployed] as const),
);

describe('app deployments', () => {
  it('when docker-compose.yml is read, then it builds the apps', () => {
    expect(apps).toEqual(expect.arrayContaining(['analytics', 'email', 'rides', 'transaction']));
  });

  it.each(rows)(
    'when %s is deployed by %s, then its environment is exactly what its config schema accepts',
    (app, _where, deployed) => {
      const problems = deployParityProblems(configSchema(app), deployed);

      expect(problems).toEqual([]);
    },
  );

  it.each(apps)(
    'when the %s image runs without HTTP_PORT, then its healthcheck probes the default port',
    (app) => {
      const defaults = readConfig(configSchema(app), {});

      expect(imageHealthcheckDefaultPort(app)).toBe(defaults['HTTP_PORT']);
    },
  );
});
