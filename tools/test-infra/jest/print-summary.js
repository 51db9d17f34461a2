// Prints the totals of every jest run recorded in $TEST_RESULTS_FILE; exits 1 if any failed or
// if no test ran at all.
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
console.log(
  `tests: ${total('passed')} passed, ${total('failed')} failed, ${total('skipped')} skipped`,
);
process.exit(total('failed') > 0 || total('passed') === 0 ? 1 : 0);
