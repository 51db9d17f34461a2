import { readConfig } from '@taxi/service-kit';
import {
  deployedEnvironments,
  deployParityProblems,
  imageHealthcheckDefaultPort,
} from '@taxi/testing';
import { transactionEnv } from './config';

// docker-compose.yml and every k8s overlay (rendered with kubectl kustomize) against this
// service's config schema, read with readConfig as the service reads it at start-up.
describe('transaction deployments', () => {
  it.each(
    deployedEnvironments('transaction').map((deployed) => [deployed.where, deployed] as const),
  )(
    'when deployed by %s, then its environment is exactly what the config schema accepts',
    (_where, deployed) => {
      const problems = deployParityProblems(transactionEnv, deployed, readConfig);

      expect(problems).toEqual([]);
    },
  );

  it('when the image runs without HTTP_PORT, then its healthcheck probes the default port', () => {
    const defaults = readConfig(transactionEnv, {});

    expect(imageHealthcheckDefaultPort('transaction')).toBe(defaults.HTTP_PORT);
  });
});
