// Integration test config for one project: `*.int.test.ts`, run against a real Kafka broker that
// the global setup starts (or reuses) and stops again if it started it.
const path = require('node:path');
const preset = require('../../jest.preset.js');

module.exports = (projectRoot, name) => ({
  ...preset,
  displayName: `${name}:int`,
  reporters: ['default', [require.resolve('./results-reporter.js'), { name: `${name}:int` }]],
  rootDir: projectRoot,
  testMatch: ['<rootDir>/src/**/*.int.test.ts', '<rootDir>/test/**/*.int.test.ts'],
  globalSetup: path.join(__dirname, 'kafka-global-setup.js'),
  globalTeardown: path.join(__dirname, 'kafka-global-teardown.js'),
  testTimeout: 120_000,
  maxWorkers: 1,
});
