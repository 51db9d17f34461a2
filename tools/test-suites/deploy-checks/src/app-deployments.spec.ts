import { readConfig } from '@taxi/service-kit';
import { appConfigSchema as configSchema, deployedApps } from './deploy-files';
import { deployParityProblems, imageHealthcheckDefaultPort } from './deploy-parity';
import { deployedEnvironments } from './deployed-environments';

// Every app k8s/base deploys, in every k8s overlay (rendered with kubectl kustomize), against the
// app's config schema, read with readConfig as the service reads it at start-up. One row per app
// and overlay, so a new app is checked without a new spec. docker-compose.yml's environments are
// checked on the running stack by the container test (tools/test-suites/containers).

const apps = deployedApps();

const rows = apps.flatMap((app) =>
  deployedEnvironments(app).map((deployed) => [app, deployed.where, deployed] as const),
);

describe('app deployments', () => {
  it('when k8s/base is read, then it deploys the apps', () => {
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
