import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
      "import { connect } from '@taxi/kafka';\nexport const x = connect;\n",
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

  it.each([
    'apps/rides/src/forbidden.ts',
    'apps/pipeline-e2e/src/forbidden.ts',
    'tools/test-infra/stack-harness/src/forbidden.ts',
  ])('when %s imports kafkajs directly, then lint fails', async (file) => {
    const messages = await lintAs(
      file,
      "import { Kafka } from 'kafkajs';\nexport const x = Kafka;\n",
    );

    expect(messages.join('\n')).toMatch(/enforce-module-boundaries.*kafkajs/);
  });

  it.each(['@taxi/testing', '@taxi/kafka/testing'])(
    'when service code imports the test helpers of %s, then lint fails',
    async (helpers) => {
      const messages = await lintAs(
        'apps/email/src/forbidden.ts',
        `import * as helpers from '${helpers}';\nexport const x = helpers;\n`,
      );

      expect(messages.join('\n')).toMatch(/no-restricted-imports/);
    },
  );

  it('when an app uses the libs it is allowed to, then lint passes', async () => {
    const messages = await lintAs(
      'apps/rides/src/allowed.ts',
      "import { topics } from '@taxi/events';\nimport { connect } from '@taxi/kafka';\nexport const x = [topics, connect];\n",
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

  describe("libs/kafka's public API", () => {
    const index = 'libs/kafka/src/index.ts';
    const exported = () => readFileSync(path.join(root, index), 'utf8');
    // The rule reads types: lint builds the lib's program first, which takes a while.
    const TYPED_LINT_MS = 180_000;

    it(
      'when the index exports what it does today, then lint passes',
      async () => {
        expect(await lintAs(index, exported())).toEqual([]);
      },
      TYPED_LINT_MS,
    );

    it(
      'when the index exports a kafkajs type, directly or inside a type of its own, then lint fails naming it',
      async () => {
        const leaks = [
          "export type { Producer } from 'kafkajs';",
          "export interface Leaky { readonly run: (x: number) => Promise<import('kafkajs').KafkaMessage[]> }",
        ];

        const messages = await lintAs(index, `${exported()}\n${leaks.join('\n')}\n`);

        expect(messages).toEqual([
          expect.stringMatching(/taxi\/no-kafkajs-in-api: 'Producer' exposes kafkajs' `Producer`/),
          expect.stringMatching(/taxi\/no-kafkajs-in-api: 'Leaky' exposes kafkajs' `KafkaMessage`/),
        ]);
      },
      TYPED_LINT_MS,
    );

    it(
      'when the index exports a module wholesale, then lint fails',
      async () => {
        const messages = await lintAs(index, `${exported()}\nexport * from './retry';\n`);

        expect(messages).toEqual([expect.stringMatching(/taxi\/no-kafkajs-in-api: name what/)]);
      },
      TYPED_LINT_MS,
    );
  });
});
