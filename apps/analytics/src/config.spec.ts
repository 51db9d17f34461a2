import { documentedVariables } from '@taxi/testing';
import { analyticsEnv } from './config';

describe('analytics configuration', () => {
  it('when the docs are read, then every variable the service accepts is documented, and no other', () => {
    const documented = documentedVariables('apps/analytics/README.md', 'docs/configuration.md');
    const accepted = Object.keys(analyticsEnv.shape);

    expect(accepted.filter((variable) => !documented.has(variable))).toEqual([]);
    expect(
      [...documentedVariables('apps/analytics/README.md')].filter(
        (variable) => !accepted.includes(variable),
      ),
    ).toEqual([]);
  });
});
