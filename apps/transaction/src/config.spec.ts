import { documentedVariables } from '@taxi/testing';
import { transactionEnv } from './config';

describe('transaction configuration', () => {
  it('when the docs are read, then every variable the service accepts is documented, and no other', () => {
    const documented = documentedVariables('apps/transaction/README.md', 'docs/configuration.md');
    const accepted = Object.keys(transactionEnv.shape);

    expect(accepted.filter((variable) => !documented.has(variable))).toEqual([]);
    expect(
      [...documentedVariables('apps/transaction/README.md')].filter(
        (variable) => !accepted.includes(variable),
      ),
    ).toEqual([]);
  });
});
