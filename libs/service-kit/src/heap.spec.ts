import { spawnSync } from 'node:child_process';
import path from 'node:path';

/**
 * The growing factors V8 reports (`--trace-gc-verbose`) while a child under the images' 128 MB
 * cap keeps 100,000 objects and churns short-lived batches through the old space.
 */
const factorsUsed = (grow: boolean): Set<string> => {
  const heap = JSON.stringify(path.join(__dirname, 'heap.ts'));
  const script = `
    ${grow ? `const { growOldSpace } = await import(${heap}); growOldSpace(100);` : ''}
    const kept = [];
    for (let i = 0; i < 100_000; i++) kept.push({ id: 'ride-' + i });
    const recent = new Array(100);
    for (let round = 0; round < 3_000; round++) {
      const batch = [];
      for (let i = 0; i < 2_000; i++) batch.push({ round, i });
      recent[round % 100] = batch;
    }
  `;
  const child = spawnSync(
    process.execPath,
    ['--max-old-space-size=128', '--trace-gc-verbose', '--input-type=module', '-e', script],
    { encoding: 'utf8' },
  );
  return new Set(
    [...child.stdout.matchAll(/HeapController\] factor ([\d.]+)/g)].map((m) => m[1] ?? ''),
  );
};

describe('growOldSpace', () => {
  it('when a service grows its old space by 100 %, then V8 lets it double under the 128 MB cap', () => {
    expect(factorsUsed(true)).toEqual(new Set(['2.0']));
  });

  it('when a service does not, then V8 holds it at 1.3 under that cap (what ADR 030 changes)', () => {
    expect(factorsUsed(false)).toEqual(new Set(['1.3']));
  });
});
