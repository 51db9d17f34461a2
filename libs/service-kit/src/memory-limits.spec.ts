import { spawnSync } from 'node:child_process';
import { totalmem } from 'node:os';
import path from 'node:path';
import { memoryLimits } from './memory-limits';

/** memoryLimits() in a fresh Node started with these options. */
const limitsWith = (nodeOptions: string) => {
  const module = JSON.stringify(path.join(__dirname, 'memory-limits.ts'));
  const child = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const { memoryLimits } = await import(${module}); console.log(JSON.stringify(memoryLimits()));`,
    ],
    { env: { PATH: process.env['PATH'] ?? '', NODE_OPTIONS: nodeOptions }, encoding: 'utf8' },
  );
  return JSON.parse(child.stdout) as ReturnType<typeof memoryLimits>;
};

describe('memoryLimits', () => {
  it('when the old space is capped, then the heap limit is the cap and the young generation', () => {
    // Two semi-spaces and the new large-object space, 4 MB each.
    expect(limitsWith('--max-old-space-size=128 --max-semi-space-size=4').heapLimitMb).toBe(140);
  });

  it("when the old space is a percentage, then it is that share of the cgroup's limit, else of the machine's memory", () => {
    const limits = limitsWith('--max-old-space-size-percentage=50 --max-semi-space-size=4');

    const sizedFrom = limits.memoryLimitMb ?? totalmem() / 2 ** 20;
    expect(Math.abs(limits.heapLimitMb - (sizedFrom / 2 + 12))).toBeLessThanOrEqual(1);
  });
});
