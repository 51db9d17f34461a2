import { readConfig } from '@taxi/service-kit';
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
  it("when RIDES_STORE_DIR is not set, then it is the image's volume, an absolute path a read-only image can write", () => {
    const config = readConfig(ridesEnv, {});

    expect(config.RIDES_STORE_DIR).toBe('/var/lib/taxi/rides');
  });

  it('when RIDES_STORE_DIR is set, then that folder is used', () => {
    expect(readConfig(ridesEnv, { RIDES_STORE_DIR: 'tmp/elsewhere' }).RIDES_STORE_DIR).toBe(
      'tmp/elsewhere',
    );
  });
});
