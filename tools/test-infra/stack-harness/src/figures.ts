import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { workspaceRoot } from './workspace';

const file = path.join(workspaceRoot, 'tmp/fault-figures.jsonl');

/** Appends what a fault test measured, for docs/reliability.md (printed by the test too). */
export const recordFigures = (scenario: string, figures: Record<string, number | string>): void => {
  mkdirSync(path.dirname(file), { recursive: true });
  appendFileSync(
    file,
    `${JSON.stringify({ scenario, at: new Date().toISOString(), ...figures })}\n`,
  );
  process.stdout.write(`figures ${scenario}: ${JSON.stringify(figures)}\n`);
};
