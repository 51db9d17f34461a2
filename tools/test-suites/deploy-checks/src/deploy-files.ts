import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import type { EnvSchema } from './deploy-parity';

/** The deployment files (k8s/, deploy/, the Dockerfile), read as the tools that use them do. */

export const workspaceRoot = path.resolve(__dirname, '../../../..');

export const readWorkspaceFile = (file: string): string =>
  readFileSync(path.join(workspaceRoot, file), 'utf8');

/** One YAML document (`<<` merge keys resolved). */
export const readWorkspaceYaml = <T = unknown>(file: string): T =>
  parse(readWorkspaceFile(file), { merge: true }) as T;

/** Every document of a multi-document YAML text. */
export const parseYamlDocuments = (text: string): unknown[] =>
  parseAllDocuments(text).map((document) => {
    if (document.errors.length > 0) throw new Error(document.errors.join('\n'));
    return document.toJS() as unknown;
  });

/** A Kubernetes object: only the fields every object has are typed. */
export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
  };
  readonly [field: string]: unknown;
}

/** The apps k8s/base deploys, each an image of the one Dockerfile (`--build-arg APP`), sorted. */
export const deployedApps = (): string[] =>
  readdirSync(path.join(workspaceRoot, 'k8s/base'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();

/** The app's config schema: `<app>Env` exported by apps/<app>/src/config.ts (the convention). */
export const appConfigSchema = (app: string): EnvSchema => {
  const name = `${app.replace(/-(\w)/g, (_m, c: string) => c.toUpperCase())}Env`;
  // Loaded by name, so that tables follow k8s/base instead of a list of imports.
  const schema = (
    require(path.join(workspaceRoot, 'apps', app, 'src/config')) as Record<string, unknown>
  )[name];
  if (!schema) throw new Error(`apps/${app}/src/config.ts exports no ${name}`);
  return schema as EnvSchema;
};

/** The kustomize overlays, e.g. `k8s/overlays/dev`. */
export const overlays = (): string[] =>
  readdirSync(path.join(workspaceRoot, 'k8s/overlays'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => `k8s/overlays/${entry.name}`)
    .sort();

const rendered = new Map<string, K8sObject[]>();

/** `kubectl kustomize <dir>` (offline), parsed; throws kubectl's message if it does not render. */
export const renderKustomization = (dir: string): K8sObject[] => {
  const cached = rendered.get(dir);
  if (cached) return cached;
  const run = spawnSync('kubectl', ['kustomize', dir], { cwd: workspaceRoot, encoding: 'utf8' });
  if (run.error) throw new Error(`kubectl is needed to render ${dir}: ${run.error.message}`);
  if (run.status !== 0) throw new Error(`kubectl kustomize ${dir} failed:\n${run.stderr}`);
  const objects = parseYamlDocuments(run.stdout).filter(Boolean) as K8sObject[];
  rendered.set(dir, objects);
  return objects;
};

export const ofKind = <T extends K8sObject = K8sObject>(objects: K8sObject[], kind: string): T[] =>
  objects.filter((object) => object.kind === kind) as T[];

export const findObject = <T extends K8sObject = K8sObject>(
  objects: K8sObject[],
  kind: string,
  name: string,
): T | undefined =>
  objects.find((object) => object.kind === kind && object.metadata.name === name) as T | undefined;
