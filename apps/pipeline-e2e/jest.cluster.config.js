// The 3-node cluster fault test (`npm run test:cluster`, a step of `npm test` of its own): it
// starts a cluster of its own on ports of its own (FAULT_CLUSTER_PORT, default 19700-19705), so it
// does not run inside the int step's broker (docs/reliability.md, "A replicated cluster losing
// brokers").
const int = require('../../tools/test-infra/jest/int.js')(__dirname, 'pipeline-e2e:cluster');

module.exports = {
  ...int,
  testMatch: ['<rootDir>/src/**/*.cluster.test.ts'],
  testTimeout: 1_800_000,
};
