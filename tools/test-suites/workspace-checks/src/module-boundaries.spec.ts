import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { createProjectGraphAsync } from '@nx/devkit';

const root = path.resolve(__dirname, '../../../..');
const eslintBin = path.join(root, 'node_modules/eslint/bin/eslint.js');

/** Runs the real eslint CLI on `code` as if it were the file at `file` (relative to the root). */
const lintAs = async (file: string, code: string): Promise<string[]> => {
  const run = spawnSync(
    process.execPath,
    [eslintBin, '--format', 'json', '--stdin', '--stdin-filename', file],
    { cwd: root, input: code, encoding: 'utf8' },
  );
  const [result] = JSON.parse(run.stdout) as {
    messages: { ruleId: string | null; message: string }[];
  }[];
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`);
};

describe('architecture rules enforced by lint', () => {
  beforeAll(async () => {
    // The boundary rule reads the cached project graph; make sure there is one.
    await createProjectGraphAsync({ exitOnError: false });
  }, 60_000);

  it('when the events contract imports another lib of ours, then lint fails', async () => {
    const messages = await lintAs(
      'libs/events/src/forbidden.ts',
      "import { createKafka } from '@taxi/kafka';\nexport const x = createKafka;\n",
    );

    // Every lib depends on the contract, so the rule reports the cycle this would create.
    expect(messages.join('\n')).toMatch(/enforce-module-boundaries/);
  });

  it('when a lib imports an app, then lint fails', async () => {
    const messages = await lintAs(
      'libs/service-kit/src/forbidden.ts',
      "import { start } from '../../../../apps/rides/src/app';\nexport const x = start;\n",
    );

    expect(messages.join('\n')).toMatch(/enforce-module-boundaries/);
  });

  it('when an app imports kafkajs directly, then lint fails', async () => {
    const messages = await lintAs(
      'apps/rides/src/forbidden.ts',
      "import { Kafka } from 'kafkajs';\nexport const x = Kafka;\n",
    );

    expect(messages.join('\n')).toMatch(/enforce-module-boundaries.*kafkajs/);
  });

  it('when service code imports the test helpers, then lint fails', async () => {
    const messages = await lintAs(
      'apps/email/src/forbidden.ts',
      "import { testLogger } from '@taxi/testing';\nexport const x = testLogger;\n",
    );

    expect(messages.join('\n')).toMatch(/no-restricted-imports/);
  });

  it('when an app uses the libs it is allowed to, then lint passes', async () => {
    const messages = await lintAs(
      'apps/rides/src/allowed.ts',
      "import { topics } from '@taxi/events';\nimport { createKafka } from '@taxi/kafka';\nexport const x = [topics, createKafka];\n",
    );

    expect(messages).toEqual([]);
  });

  it('when service code logs with console, then lint fails', async () => {
    const messages = await lintAs(
      'apps/transaction/src/chatty.ts',
      "console.log('hi');\nexport {};\n",
    );

    expect(messages.join('\n')).toMatch(/no-console/);
  });
});
