// Appends each jest run's totals to $TEST_RESULTS_FILE (one JSON line per run), so the whole
// suite, spread over many Nx targets, can end with one summary line. The names of failed tests
// and suites go with them: a CI log is often read from its tail only.
const fs = require('node:fs');
const path = require('node:path');

// The first few lines of an error: its message, and for a failed expect what was expected and
// what was received.
const headOf = (text) =>
  (text ?? '')
    .replace(/\u001b\[[0-9;]*m/g, '')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .slice(0, 4)
    .join(' | ')
    .slice(0, 400);

function failures(results) {
  const failed = [];
  for (const suite of results.testResults) {
    const file = path.relative(process.cwd(), suite.testFilePath);
    if (suite.testExecError) failed.push(`${file}: ${headOf(suite.testExecError.message)}`);
    for (const test of suite.testResults) {
      if (test.status !== 'failed') continue;
      failed.push(`${file} › ${test.fullName}: ${headOf(test.failureMessages[0])}`);
    }
  }
  return failed;
}

module.exports = class ResultsReporter {
  constructor(globalConfig, options = {}) {
    this.name = options.name ?? 'jest';
  }

  onRunComplete(_contexts, results) {
    const file = process.env.TEST_RESULTS_FILE;
    if (!file) return;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const line = {
      name: this.name,
      passed: results.numPassedTests,
      failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
      skipped: results.numPendingTests + results.numTodoTests,
      failures: failures(results),
    };
    fs.appendFileSync(file, `${JSON.stringify(line)}\n`);
  }
};
