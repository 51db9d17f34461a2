import { documentedVariables } from '@taxi/testing';
import { ConfigError, readConfig } from '@taxi/service-kit';
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

describe('FLEET_SIZE against the largest snapshot transaction can read back', () => {
  const refusal = (size: number) => {
    try {
      readConfig(transactionEnv, { FLEET_SIZE: String(size) });
      return undefined;
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
  };

  it('when a partition would write a fleet snapshot larger than a snapshot may be, then FLEET_SIZE is refused, naming about the largest that fits (within 1 %)', () => {
    const problems = refusal(30_000);

    expect(problems).toEqual([
      {
        variable: 'FLEET_SIZE',
        message: expect.stringMatching(
          /^30000 drivers over 6 partitions make fleet_state snapshots of up to \d+ bytes \(every driver busy\), above the 921600 .* at most about \d+ here/,
        ) as unknown,
      },
    ]);
    const largest = Number(/at most about (\d+)/.exec(String(problems?.[0]?.message))?.[1]);
    expect(refusal(Math.floor(largest * 0.99))).toBeUndefined();
    expect(refusal(Math.ceil(largest * 1.01))).toHaveLength(1);
  });

  it('when a partition would hold more drivers than a snapshot may list, then FLEET_SIZE is refused all the same', () => {
    expect(refusal(100_000)).toEqual([
      expect.objectContaining({
        variable: 'FLEET_SIZE',
        message: expect.stringContaining('listing more drivers than one may') as unknown,
      }),
    ]);
  });

  it('when another fleet variable is invalid, then only that one is named: no fleet is measured', () => {
    expect(() => readConfig(transactionEnv, { FLEET_CENTER_LAT: '91' })).toThrow(
      expect.objectContaining({
        problems: [expect.objectContaining({ variable: 'FLEET_CENTER_LAT' })],
      }) as unknown as Error,
    );
  });

  it('when the fleet is as large as the fault and Kubernetes tests run it (3,000 and 4,800 drivers), then it is accepted', () => {
    expect(refusal(3_000)).toBeUndefined();
    expect(refusal(4_800)).toBeUndefined();
  });
});
