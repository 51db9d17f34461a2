import { documentedVariables } from '@taxi/testing';
import { ridesEnv } from './config';

describe('rides configuration', () => {
  it('when the docs are read, then every variable the service accepts is documented, and no other', () => {
    const documented = documentedVariables('apps/rides/README.md', 'docs/configuration.md');
    const accepted = Object.keys(ridesEnv.shape);

    expect(accepted.filter((variable) => !documented.has(variable))).toEqual([]);
    expect(
      [...documentedVariables('apps/rides/README.md')].filter(
        (variable) => !accepted.includes(variable),
      ),
    ).toEqual([]);
  });
});
