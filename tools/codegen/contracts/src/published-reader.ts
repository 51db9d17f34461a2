import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

// A reader of a published version, from its frozen JSON Schema: what the code of that version
// accepts, without needing that code. The schema says what its writers write (closed); its readers
// ignore fields they do not know (ADR 040), so it is read open: every object's
// `additionalProperties: false` dropped. A map's `additionalProperties` is the schema of its
// values, and stays.

type Schema = Record<string, unknown>;

const open = (schema: unknown): unknown => {
  if (Array.isArray(schema)) return schema.map(open);
  if (typeof schema !== 'object' || schema === null) return schema;
  const entries = Object.entries(schema as Schema)
    .filter(([key, value]) => !(key === 'additionalProperties' && value === false))
    .map(([key, value]) => [key, open(value)]);
  return Object.fromEntries(entries);
};

/** The published schema as its readers read it: unknown fields allowed, at every depth. */
export const openSchema = (schema: object): Schema => open(schema) as Schema;

/** Validates a message as a reader of the published version would: the reasons it refuses it. */
export const publishedReader = (schema: object): ((message: unknown) => string[]) => {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  const validate = ajv.compile(openSchema(schema));
  return (message) =>
    validate(message)
      ? []
      : (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message}`);
};
