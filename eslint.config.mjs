import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import taxi from './tools/lint/no-kafkajs-in-api.mjs';

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    ignores: ['**/dist', '**/node_modules', '**/.nx', '**/coverage', '**/.kafka', '**/.outbox'],
  },
  {
    files: ['**/*.ts'],
    rules: {
      // The architecture, enforced: apps use libs, never each other; the events contract depends
      // on nothing of ours; kafkajs stays behind libs/kafka so a later client switch is one place.
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          allow: [],
          depConstraints: [
            {
              sourceTag: 'type:app',
              onlyDependOnLibsWithTags: ['type:lib'],
              bannedExternalImports: ['kafkajs'],
            },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            // Tests, the bench and tooling reach Kafka through libs/kafka too (its /testing helpers).
            {
              sourceTag: 'type:e2e',
              onlyDependOnLibsWithTags: ['type:lib'],
              bannedExternalImports: ['kafkajs'],
            },
            {
              sourceTag: 'type:bench',
              onlyDependOnLibsWithTags: ['type:lib'],
              bannedExternalImports: ['kafkajs'],
            },
            {
              sourceTag: 'type:tooling',
              onlyDependOnLibsWithTags: ['type:lib'],
              bannedExternalImports: ['kafkajs'],
            },
            {
              sourceTag: 'layer:contract',
              onlyDependOnLibsWithTags: [],
              bannedExternalImports: ['kafkajs'],
            },
            {
              // layer:testing only for the runtime's own tests: shipped code may not import it
              // (no-restricted-imports below).
              sourceTag: 'layer:runtime',
              onlyDependOnLibsWithTags: ['layer:contract', 'layer:runtime', 'layer:testing'],
            },
            {
              sourceTag: 'layer:testing',
              onlyDependOnLibsWithTags: ['layer:contract', 'layer:runtime', 'layer:testing'],
              bannedExternalImports: ['kafkajs'],
            },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      'no-console': 'error',
    },
  },
  {
    // No kafkajs type crosses libs/kafka's API: every export of its index is checked, types and
    // all (the rule needs the type checker, so it runs on that one file).
    files: ['libs/kafka/src/index.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { taxi },
    rules: { 'taxi/no-kafkajs-in-api': 'error' },
  },
  {
    files: ['apps/*/src/**/*.ts', 'libs/*/src/**/*.ts'],
    ignores: [
      '**/*.spec.ts',
      '**/*.int.test.ts',
      // Helpers of the integration tests beside them (never imported by a main.ts).
      '**/*.int-support.ts',
      'apps/*-e2e/**',
      'apps/bench/**',
      'libs/testing/**',
      'libs/kafka/src/testing.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: '@taxi/testing', message: 'test helpers stay out of shipped code' },
            { name: '@taxi/kafka/testing', message: 'test helpers stay out of shipped code' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.int.test.ts', '**/test/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: {
      globals: {
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        process: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier,
];
