import { readConfig } from '@taxi/service-kit';
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
  it("when OUTBOX_DIR is not set, then it is the image's volume, an absolute path a read-only image can write", () => {
    const config = readConfig(emailEnv, {});

    expect(config.OUTBOX_DIR).toBe('/var/lib/taxi/email/outbox');
  });

  it('when OUTBOX_DIR is set, then that folder is used', () => {
    expect(readConfig(emailEnv, { OUTBOX_DIR: 'tmp/elsewhere' }).OUTBOX_DIR).toBe('tmp/elsewhere');
  });
});
