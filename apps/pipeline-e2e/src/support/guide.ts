import { readFileSync } from 'node:fs';
import path from 'node:path';
import { workspaceRoot } from '@taxi/stack-harness';

export interface GuideStep {
  /** The shell command as the guide shows it. */
  readonly command: string;
  /** The output the guide shows after it (absent for a command started in the background). */
  readonly output?: string;
  readonly line: number;
}

/** Every ```sh block of a markdown file, with the ```text block that follows it, if any. */
export const guideSteps = (file: string): GuideStep[] => {
  const text = readFileSync(path.join(workspaceRoot, file), 'utf8');
  return [...text.matchAll(/```sh\n([\s\S]*?)```\n(?:\n*```text\n([\s\S]*?)```)?/g)].map((m) => ({
    command: (m[1] ?? '').trim(),
    ...(m[2] !== undefined && { output: m[2].trimEnd() }),
    line: text.slice(0, m.index).split('\n').length,
  }));
};

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The guide's output as a pattern: ids, numbers and column widths may differ from run to run;
 * `…` stands for anything on its line, and a line of only `…` for any number of lines.
 */
export const outputPattern = (documented: string): RegExp => {
  const lines = documented.split('\n').map((line) => {
    if (line.trim() === '…') return '(?:[^\\n]*\\n)*?';
    const pattern = line
      .trimEnd()
      .split('…')
      .map((part) =>
        part
          .split(new RegExp(UUID))
          .map((text) => escape(text).replace(/\d+/g, '\\d+').replace(/ +/g, ' +'))
          .join(UUID),
      )
      .join('[^\\n]*?');
    return `${pattern}\\n`;
  });
  return new RegExp(`^${lines.join('')}$`);
};
