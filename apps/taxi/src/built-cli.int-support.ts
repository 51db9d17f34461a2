import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

/** The CLI as `nx build taxi` bundles it: the integration tests run what users run. */
const taxiMain = path.resolve(__dirname, '../../../dist/apps/taxi/main.js');

/** Runs the built CLI; resolves with its exit code and output, whatever the code. */
export const taxi = (env: Record<string, string>, ...argv: string[]) =>
  promisify(execFile)(process.execPath, [taxiMain, ...argv], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );
