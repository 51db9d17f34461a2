import { spawnSync } from 'node:child_process';
import path from 'node:path';
import ts from 'typescript';
import type { K8sObject } from '../deploy-files';
import { workspaceRoot } from '../deploy-files';

/** Problems kubernetes-models finds: wrong types, missing required fields, bad formats. */
export const schemaProblems = (objects: readonly K8sObject[]): string[] => {
  const run = spawnSync(process.execPath, [path.join(__dirname, 'validate-models.mts')], {
    cwd: workspaceRoot,
    input: JSON.stringify(objects),
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`validate-models.mts failed:\n${run.stderr}`);
  return JSON.parse(run.stdout) as string[];
};

const modulePath = (object: K8sObject) => `kubernetes-models/${object.apiVersion}/${object.kind}`;

/**
 * Fields the Kubernetes API does not know (`replica:`, `imagee:`), which kubernetes-models'
 * runtime validation lets through but its TypeScript types reject: every object is type-checked
 * as an object literal of its kind's interface, so excess properties are errors. The API server
 * would drop such a field silently, or reject the object with strict field validation.
 * TypeScript names one unknown field per object at a time: fix it and the next one shows.
 */
export const unknownFieldProblems = (objects: readonly K8sObject[]): string[] => {
  const file = path.join(workspaceRoot, 'tools/test-suites/deploy-checks/__rendered-objects__.ts');
  const source = objects
    .map(
      (object, index) =>
        `import type { I${object.kind} as T${index} } from '${modulePath(object)}';\n` +
        `export const o${index}: T${index} = ${JSON.stringify(object)};\n`,
    )
    .join('');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.Preserve,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, language, ...rest) =>
    name === file
      ? ts.createSourceFile(name, source, language)
      : getSourceFile.call(host, name, language, ...rest);
  host.fileExists = (name) => name === file || fileExists.call(host, name);
  host.readFile = (name) => (name === file ? source : readFile.call(host, name));
  const program = ts.createProgram([file], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((diagnostic) => diagnostic.file?.fileName === file)
    .map((diagnostic) => {
      const line = diagnostic.file?.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line ?? 0;
      const object = objects[Math.floor(line / 2)];
      const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
      return `${object?.kind} ${object?.metadata.name}: ${message.split('\n').at(-1)?.trim()}`;
    });
};
