import { documentedVariables } from '@taxi/testing';
import { webEnv } from './config';

describe('web configuration', () => {
  it('when the docs are read, then every variable the service accepts is documented, and no other', () => {
    const documented = documentedVariables('apps/web/README.md', 'docs/configuration.md');
    const accepted = Object.keys(webEnv.shape);

    expect(accepted.filter((variable) => !documented.has(variable))).toEqual([]);
    expect(
      [...documentedVariables('apps/web/README.md')].filter(
        (variable) => !accepted.includes(variable),
      ),
    ).toEqual([]);
  });
});
