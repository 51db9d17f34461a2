// The container test (tools/test-suites/containers/test.sh runs it after building the images): one
// suite that drives `docker compose`, so one worker and generous timeouts.
const preset = require('../../../jest.preset.js');

module.exports = {
  ...preset,
  displayName: 'containers',
  reporters: [
    'default',
    [require.resolve('../../test-infra/jest/results-reporter.js'), { name: 'containers' }],
  ],
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.containers.ts'],
  testTimeout: 300_000,
  maxWorkers: 1,
};
