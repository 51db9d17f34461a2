import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { contractVersions, topics } from '@taxi/events';
import { asyncApiYaml, ASYNCAPI_FILE } from './asyncapi-file';
import {
  currentVersionFiles,
  digestOf,
  DIGESTS_FILE,
  jsonText,
  readDigests,
  repoRoot,
  schemaPath,
  topicKeys,
  unpublishedDifferences,
} from './published';

// `npm run contracts`: publishes the current contract version of every topic that is not
// published yet (its JSON Schema and examples, libs/events/schemas, ADR 040) and writes
// docs/asyncapi.yaml from libs/events. The OpenAPI document is served by the rides service
// itself, at GET /openapi.json. A published version is never written again: if libs/events no
// longer makes the same files, it says which topics need a new version and exits 1.

const write = (file: string, text: string) => {
  const target = path.join(repoRoot, file);
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, text);
};

const stale = topicKeys.filter(
  (key) =>
    existsSync(path.join(repoRoot, schemaPath(topics[key].name, contractVersions[key]))) &&
    unpublishedDifferences(key).length > 0,
);
if (stale.length > 0) {
  const named = stale.map((key) => `${topics[key].name} v${contractVersions[key]}`).join(', ');
  process.stderr.write(
    `contracts: ${named} changed after it was published: give it a new version in libs/events/src/versions.ts (docs/changing-a-contract.md)\n`,
  );
  process.exit(1);
}

const digests = readDigests();
for (const key of topicKeys) {
  const version = contractVersions[key];
  if (existsSync(path.join(repoRoot, schemaPath(topics[key].name, version)))) continue;
  for (const file of currentVersionFiles(key)) {
    write(file.path, file.text);
    digests[file.path] = digestOf(file.text);
  }
  process.stdout.write(`published ${topics[key].name} v${version}\n`);
}
const sorted = Object.fromEntries(Object.entries(digests).sort(([a], [b]) => a.localeCompare(b)));
if (readFileSafe(DIGESTS_FILE) !== jsonText(sorted)) write(DIGESTS_FILE, jsonText(sorted));

write(ASYNCAPI_FILE, asyncApiYaml());
process.stdout.write(`wrote ${ASYNCAPI_FILE}\n`);

function readFileSafe(file: string): string | undefined {
  const target = path.join(repoRoot, file);
  return existsSync(target) ? readFileSync(target, 'utf8') : undefined;
}
