import { documentedVariables } from '@taxi/testing';
import { emailEnv } from './config';

describe('email configuration', () => {
  it('when the docs are read, then every variable the service accepts is documented, and no other', () => {
    const documented = documentedVariables('apps/email/README.md', 'docs/configuration.md');
    const accepted = Object.keys(emailEnv.shape);

    expect(accepted.filter((variable) => !documented.has(variable))).toEqual([]);
    expect(
      [...documentedVariables('apps/email/README.md')].filter(
        (variable) => !accepted.includes(variable),
      ),
    ).toEqual([]);
  });
});
