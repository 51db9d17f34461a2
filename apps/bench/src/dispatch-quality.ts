import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { workspaceRoot } from '@taxi/stack-harness';

const run = promisify(execFile);

/**
 * Dispatch quality against the oracle (ADR 038): transaction's seeded simulation, built with it
 * (`dist/apps/transaction/dispatch-quality/main.js`), run as a process like every other part the
 * bench measures. Its knobs (DISPATCH_VIEW_LAG_MS, DISPATCH_HOP_MS, DISPATCH_MAX_HOPS,
 * DISPATCH_SEEDS, DISPATCH_RIDES, DISPATCH_DESIGNS) pass through from the environment. It prints its tables on
 * stderr, shown here, and its rows as JSON on stdout, which go into the report.
 */
export const measureDispatchQuality = async (): Promise<unknown> => {
  const script = path.join(workspaceRoot, 'dist/apps/transaction/dispatch-quality/main.js');
  const { stdout, stderr } = await run(process.execPath, [script], {
    env: { ...process.env, DISPATCH_FORMAT: 'json' },
    maxBuffer: 16 * 1024 * 1024,
  });
  process.stderr.write(`dispatch quality against the oracle:\n${stderr}\n`);
  return JSON.parse(stdout) as unknown;
};
