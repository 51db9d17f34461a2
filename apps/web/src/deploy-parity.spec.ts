import { readConfig } from '@taxi/service-kit';
import {
  deployedEnvironments,
  deployParityProblems,
  imageHealthcheckDefaultPort,
} from '@taxi/testing';
import { webEnv } from './config';

// docker-compose.yml and every k8s overlay (rendered with kubectl kustomize) against this
// service's config schema, read with readConfig as the service reads it at start-up.
describe('web deployments', () => {
  it.each(deployedEnvironments('web').map((deployed) => [deployed.where, deployed] as const))(
    'when deployed by %s, then its environment is exactly what the config schema accepts',
    (_where, deployed) => {
      const problems = deployParityProblems(webEnv, deployed, readConfig);

      expect(problems).toEqual([]);
    },
  );

  it('when the image runs without HTTP_PORT, then its healthcheck probes the default port', () => {
    const defaults = readConfig(webEnv, {});

    expect(imageHealthcheckDefaultPort('web')).toBe(defaults.HTTP_PORT);
  });
});
