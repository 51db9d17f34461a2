import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { readWorkspaceFile, readWorkspaceYaml } from './deploy-files';

/** docker-compose.yml as Docker Compose reads it (merge keys resolved), typed as far as read. */
export interface ComposeService {
  image?: string;
  build?: { context?: string; args?: Record<string, string> };
  depends_on?: Record<string, { condition?: string }>;
  environment?: Record<string, string | number>;
  ports?: string[];
  volumes?: string[];
  command?: string[];
  healthcheck?: { test?: string[] };
}
export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

export const readCompose = (): ComposeFile => readWorkspaceYaml<ComposeFile>('docker-compose.yml');

export const composeService = (name: string): ComposeService => {
  const service = readCompose().services[name];
  if (!service) throw new Error(`docker-compose.yml has no service ${name}`);
  return service;
};

/** The compose specification's JSON schema, as bundled by dclint. */
const validate = (() => {
  const { $schema: _draft, ...schema } = JSON.parse(
    readWorkspaceFile('node_modules/dclint/schemas/compose.schema.json'),
  ) as Record<string, unknown>;
  // Ajv knows draft-07 by its http:// id; the https:// one in the file is the same draft.
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv.compile(schema);
})();

/** Where a document breaks the compose specification, e.g. "/services/rides: enviroment ...". */
export const composeSchemaErrors = (document: unknown): string[] =>
  validate(document)
    ? []
    : (validate.errors ?? []).map(
        (error) =>
          `${error.instancePath || '/'} ${error.message ?? ''}${
            error.keyword === 'additionalProperties'
              ? `: ${String(error.params['additionalProperty'])}`
              : ''
          }`,
      );

/** The host ports a service publishes ("3100:3000" publishes 3100). */
export const publishedPorts = (service: ComposeService): number[] =>
  (service.ports ?? []).map((entry) => Number(entry.split(':').at(-2)));
