// Prints the totals of every jest run recorded in $TEST_RESULTS_FILE, then the failed tests by
// name with the first lines of their error; exits 1 if any failed or if no test ran at all.
const fs = require('node:fs');

const file = process.env.TEST_RESULTS_FILE;
const runs = fs.existsSync(file)
  ? fs
      .readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
  : [];
const total = (key) => runs.reduce((sum, run) => sum + run[key], 0);
console.log('');
for (const run of runs) {
  console.log(`  ${run.name.padEnd(28)} ${run.passed} passed, ${run.failed} failed`);
}
const failures = runs.flatMap((run) => (run.failures ?? []).map((line) => `${run.name}: ${line}`));
if (failures.length > 0)
  console.log(`\nfailed:\n${failures.map((line) => `  ✕ ${line}`).join('\n')}`);
console.log(
  `tests: ${total('passed')} passed, ${total('failed')} failed, ${total('skipped')} skipped`,
);
process.exit(total('failed') > 0 || total('passed') === 0 ? 1 : 0);
