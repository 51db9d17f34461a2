// Integration test config for one project: `*.int.test.ts`, run against the real Kafka broker in
// KAFKA_BROKERS. The `int` target runs jest through tools/dev-env/with-kafka.sh, the one place that
// starts a broker when KAFKA_BROKERS is not set.
const preset = require('../../../jest.preset.js');

module.exports = (projectRoot, name) => ({
  ...preset,
  displayName: `${name}:int`,
  reporters: ['default', [require.resolve('./results-reporter.js'), { name: `${name}:int` }]],
  rootDir: projectRoot,
  testMatch: ['<rootDir>/src/**/*.int.test.ts', '<rootDir>/test/**/*.int.test.ts'],
  testTimeout: 120_000,
  maxWorkers: 1,
});
