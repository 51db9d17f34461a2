import { existsSync } from 'node:fs';
import path from 'node:path';

/** The workspace root (where nx.json is), from wherever this code runs: sources or a bundle. */
export const workspaceRoot = ((): string => {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'nx.json'))) return dir;
  }
  throw new Error(`no nx.json above ${__dirname}`);
})();
