// Unit test config for one project: `*.spec.ts` beside the code, no Kafka, no network.
const preset = require('../../../jest.preset.js');

module.exports = (projectRoot, name) => ({
  ...preset,
  displayName: `${name}:unit`,
  reporters: ['default', [require.resolve('./results-reporter.js'), { name: `${name}:unit` }]],
  rootDir: projectRoot,
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
});
