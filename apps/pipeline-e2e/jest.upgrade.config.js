// The rolling-upgrade test (`npm run test:upgrade`, a step of `npm test`): a target of its own so
// that tools/test-infra/rolling-upgrade.sh can check first that the clone has the commit it
// upgrades from (a shallow clone does not), and say so rather than fail.
const int = require('../../tools/test-infra/jest/int.js')(__dirname, 'pipeline-e2e:upgrade');

module.exports = {
  ...int,
  testMatch: ['<rootDir>/src/**/*.upgrade.test.ts'],
};
