// The cluster suite (test.sh runs it once the cluster is up): one cluster, so one worker, and the
// files in the order of their names (the dev overlay is applied before day two can run on it).
const preset = require('../../../jest.preset.js');

module.exports = {
  ...preset,
  displayName: 'kubernetes',
  reporters: [
    'default',
    [require.resolve('../../test-infra/jest/results-reporter.js'), { name: 'kubernetes' }],
  ],
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.k8s.ts'],
  testSequencer: require.resolve('./src/by-name-sequencer.js'),
  testTimeout: 300_000,
  maxWorkers: 1,
};
