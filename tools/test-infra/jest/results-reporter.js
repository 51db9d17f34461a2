// Appends each jest run's totals to $TEST_RESULTS_FILE (one JSON line per run), so the whole
// suite, spread over many Nx targets, can end with one summary line.
const fs = require('node:fs');
const path = require('node:path');

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
    };
    fs.appendFileSync(file, `${JSON.stringify(line)}\n`);
  }
};
