// Validates Kubernetes objects with kubernetes-models (the API's schemas: types, required
// fields, formats). Reads a JSON array of objects on stdin, prints a JSON array of problems.
// A separate Node process because kubernetes-models is ESM-only, which Jest's CommonJS
// runtime cannot load; validate.ts runs it.
import { text } from 'node:stream/consumers';

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string };
}
interface ValidationError {
  errors?: { instancePath: string; message?: string }[];
  message: string;
}
type Model = new (data: unknown) => { validate(): void };

const objects = JSON.parse(await text(process.stdin)) as K8sObject[];
const problems: string[] = [];
for (const object of objects) {
  const where = `${object.kind} ${object.metadata?.name ?? '(no name)'}`;
  let model: Model | undefined;
  try {
    const module = (await import(`kubernetes-models/${object.apiVersion}/${object.kind}`)) as
      Record<string, Model> | undefined;
    model = module?.[object.kind];
  } catch {
    model = undefined;
  }
  if (!model) {
    problems.push(`${where}: ${object.apiVersion} ${object.kind} is not a Kubernetes kind`);
    continue;
  }
  try {
    new model(object).validate();
  } catch (error) {
    const { errors, message } = error as ValidationError;
    for (const detail of errors ?? [{ instancePath: '', message }])
      problems.push(`${where}: ${detail.instancePath || '/'} ${detail.message ?? ''}`);
  }
}
process.stdout.write(JSON.stringify(problems));
