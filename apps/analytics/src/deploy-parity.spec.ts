import { readConfig } from '@taxi/service-kit';
import {
  deployedEnvironments,
  deployParityProblems,
  imageHealthcheckDefaultPort,
} from '@taxi/testing';
import { analyticsEnv } from './config';

// docker-compose.yml and every k8s overlay (rendered with kubectl kustomize) against this
// service's config schema, read with readConfig as the service reads it at start-up.
describe('analytics deployments', () => {
  it.each(deployedEnvironments('analytics').map((deployed) => [deployed.where, deployed] as const))(
    'when deployed by %s, then its environment is exactly what the config schema accepts',
    (_where, deployed) => {
      const problems = deployParityProblems(analyticsEnv, deployed, readConfig);

      expect(problems).toEqual([]);
    },
  );

  it('when the image runs without HTTP_PORT, then its healthcheck probes the default port', () => {
    const defaults = readConfig(analyticsEnv, {});

    expect(imageHealthcheckDefaultPort('analytics')).toBe(defaults.HTTP_PORT);
  });
});
