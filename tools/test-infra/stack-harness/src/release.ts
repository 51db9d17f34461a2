import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { workspaceRoot } from './workspace';

const run = promisify(execFile);

/** The services of one commit, built: `root` holds its dist/apps/<app>/main.js. */
export interface Release {
  readonly commit: string;
  readonly root: string;
}

/**
 * The commit before the one that first put `text` into `file`: the last release without a change,
 * found by what the change wrote rather than by a hash, so a rebase does not lose it.
 */
export const commitBefore = async (file: string, text: string): Promise<string> => {
  const { stdout } = await run(
    'git',
    ['log', '--reverse', '--format=%H', `-S${text}`, '--', file],
    { cwd: workspaceRoot },
  );
  const change = stdout.split('\n')[0];
  if (!change) throw new Error(`no commit in this clone added "${text}" to ${file}`);
  return (await run('git', ['rev-parse', `${change}^`], { cwd: workspaceRoot })).stdout.trim();
};

/** Builds a commit's services once (cached outside the repo by commit, build-release.sh). */
export const buildRelease = async (commit: string): Promise<Release> => {
  const script = path.join(workspaceRoot, 'tools/test-infra/stack-harness/build-release.sh');
  const child = execFile('bash', [script, commit], { maxBuffer: 64 * 1024 * 1024 });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`build-release.sh ${commit} exited ${code}\n${stderr}`);
  return { commit, root: stdout.trim().split('\n').at(-1) ?? '' };
};
