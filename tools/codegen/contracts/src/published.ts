import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  contractExamples,
  contractVersions,
  parseVersion,
  publishedJsonSchema,
  topics,
  type ContractVersion,
  type TopicKey,
} from '@taxi/events';

// The published contract of every topic, one folder per topic (ADR 040):
//
//   libs/events/schemas/<topic>/v<version>.schema.json          what its writers write, closed
//   libs/events/schemas/<topic>/examples/v<version>/<name>.json  messages of that version
//   libs/events/schemas/published.json                           the digest of every file above
//
// A version is published once, by `npm run contracts`, and never changes: a change to a schema is
// a new version (versions.ts). The digests make a file edited by hand fail the contracts tests.

export const SCHEMAS_DIR = 'libs/events/schemas';
export const DIGESTS_FILE = `${SCHEMAS_DIR}/published.json`;

/** The repository's root (where nx.json is), wherever this runs from: a test, or the bundled CLI. */
const findRoot = (dir: string): string =>
  existsSync(path.join(dir, 'nx.json')) || path.dirname(dir) === dir
    ? dir
    : findRoot(path.dirname(dir));
export const repoRoot = findRoot(__dirname);

export interface PublishedFile {
  /** From the repository root. */
  readonly path: string;
  readonly text: string;
}

export const topicKeys = Object.keys(topics) as TopicKey[];

/** Two spaces, a final newline: the files are read by people and never reformatted. */
export const jsonText = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

export const schemaPath = (topic: string, version: ContractVersion) =>
  `${SCHEMAS_DIR}/${topic}/v${version}.schema.json`;

export const examplesDir = (topic: string, version: ContractVersion) =>
  `${SCHEMAS_DIR}/${topic}/examples/v${version}`;

/** The files that publish a topic's current version, made now from libs/events. */
export const currentVersionFiles = (key: TopicKey): PublishedFile[] => {
  const contract = topics[key];
  const version = contractVersions[key];
  return [
    { path: schemaPath(contract.name, version), text: jsonText(publishedJsonSchema(contract)) },
    ...Object.entries(contractExamples[key]).map(([name, example]) => ({
      path: `${examplesDir(contract.name, version)}/${name}.json`,
      text: jsonText(example),
    })),
  ];
};

export const byVersion = (a: ContractVersion, b: ContractVersion): number => {
  const [x, y] = [parseVersion(a), parseVersion(b)];
  return x.major - y.major || x.revision - y.revision;
};

const read = (file: string): string => readFileSync(path.join(repoRoot, file), 'utf8');

/** The versions of a topic published in the repository, oldest first. */
export const publishedVersions = (topic: string): ContractVersion[] => {
  const dir = path.join(repoRoot, SCHEMAS_DIR, topic);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .flatMap((file) => /^v(\d+\.\d+)\.schema\.json$/.exec(file)?.[1] ?? [])
    .map((version) => version as ContractVersion)
    .sort(byVersion);
};

export const publishedSchema = (topic: string, version: ContractVersion): object =>
  JSON.parse(read(schemaPath(topic, version))) as object;

/** The example messages published with a version, by name. */
export const publishedExamples = (
  topic: string,
  version: ContractVersion,
): Record<string, string> => {
  const dir = examplesDir(topic, version);
  if (!existsSync(path.join(repoRoot, dir))) return {};
  return Object.fromEntries(
    readdirSync(path.join(repoRoot, dir))
      .filter((file) => file.endsWith('.json'))
      .sort()
      .map((file) => [file.replace(/\.json$/, ''), read(`${dir}/${file}`)]),
  );
};

export const readPublished = (file: string): PublishedFile => ({ path: file, text: read(file) });

/** Every file under libs/events/schemas but the digests, from the repository root. */
export const publishedFiles = (dir = SCHEMAS_DIR): string[] =>
  readdirSync(path.join(repoRoot, dir), { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory() ? publishedFiles(`${dir}/${entry.name}`) : [`${dir}/${entry.name}`],
    )
    .filter((file) => file !== DIGESTS_FILE)
    .sort();

export const digestOf = (text: string): string =>
  `sha256-${createHash('sha256').update(text).digest('base64')}`;

export type Digests = Record<string, string>;

export const readDigests = (): Digests =>
  existsSync(path.join(repoRoot, DIGESTS_FILE)) ? (JSON.parse(read(DIGESTS_FILE)) as Digests) : {};

/** Files whose text is no longer what was published: the digest recorded then differs. */
export const changedSincePublished = (
  files: readonly PublishedFile[],
  digests: Digests,
): string[] =>
  files
    .filter(
      (file) => digests[file.path] !== undefined && digests[file.path] !== digestOf(file.text),
    )
    .map((file) => file.path);

/**
 * How a committed file differs from the one made now: changed, or missing. Empty: the published
 * version is what the code writes.
 */
export const differences = (
  made: readonly PublishedFile[],
  committed: readonly PublishedFile[],
): string[] =>
  made.flatMap((file) => {
    const was = committed.find((old) => old.path === file.path);
    if (!was) return [`${file.path} is missing`];
    return was.text === file.text ? [] : [`${file.path} differs`];
  });

/**
 * How a topic's current version, as committed, differs from what libs/events makes now. Only its
 * schema counts: the examples were made from fixtures.ts when the version was published, and from
 * then on are checked by what reads them (every version's code must), not by what the fixtures
 * have become.
 */
export const unpublishedDifferences = (key: TopicKey): string[] => {
  const [schema] = currentVersionFiles(key);
  return schema ? differences([schema], existing([schema.path])) : [];
};

const existing = (files: readonly string[]): PublishedFile[] =>
  files.filter((file) => existsSync(path.join(repoRoot, file))).map(readPublished);
