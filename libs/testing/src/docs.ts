import { readFileSync } from 'node:fs';
import path from 'node:path';

const workspaceRoot = path.resolve(__dirname, '../../..');

/** Variables named in the configuration tables (`| \`NAME\` |`) of the given markdown files. */
export const documentedVariables = (...files: string[]): Set<string> => {
  const names = files.flatMap((file) =>
    [
      ...readFileSync(path.join(workspaceRoot, file), 'utf8').matchAll(
        /^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|/gm,
      ),
    ].map((match) => match[1] as string),
  );
  return new Set(names);
};
