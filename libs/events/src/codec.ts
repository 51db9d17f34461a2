import type { z } from 'zod';
import { writtenSchemaVersion } from './envelope';
import type { EventOf, TopicContract } from './topics';
import {
  addCarriedFields,
  anyUnknownFields,
  attachUnknownFields,
  objectAt,
  setAsideUnknownFields,
  type CarriedField,
} from './unknown-fields';

/**
 * Larger messages are refused before parsing; real events are a few hundred bytes. A contract
 * may set its own limit (`maxMessageBytes`: the state changelogs' snapshots, topics.ts).
 */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/** The largest message a contract's readers accept, and so the largest its writers write. */
export const messageLimitOf = (contract: TopicContract): number =>
  contract.maxMessageBytes ?? MAX_MESSAGE_BYTES;

export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `payload.pickup.lat`; empty for the whole message. */
  readonly field: string;
  readonly message: string;
}

export type DecodeErrorKind =
  'empty' | 'too_large' | 'malformed_json' | 'unsupported_version' | 'invalid';

export interface DecodeError {
  readonly kind: DecodeErrorKind;
  /** One line, safe to log and to put in a dead-letter header. */
  readonly reason: string;
  readonly issues: readonly FieldIssue[];
}

export type Result<T, E> = { ok: true; value: T } | { ok: false; error: E };

export interface EncodedMessage {
  readonly key: string;
  readonly value: Buffer;
  readonly headers: Record<string, string>;
}

const fail = (
  kind: DecodeErrorKind,
  reason: string,
  issues: FieldIssue[] = [],
): Result<never, DecodeError> => ({ ok: false, error: { kind, reason, issues } });

export const fieldIssues = (error: z.ZodError): FieldIssue[] =>
  error.issues.map((issue) => ({
    field: issue.path.map(String).join('.'),
    message: issue.message,
  }));

const describe = (issues: readonly FieldIssue[]): string =>
  issues
    .slice(0, 5)
    .map((issue) => `${issue.field || '(message)'}: ${issue.message}`)
    .join('; ');

const invalid = (error: z.ZodError): Result<never, DecodeError> => {
  const issues = fieldIssues(error);
  return fail('invalid', describe(issues), issues);
};

/**
 * Validates an already-parsed value against a schema, strictly (a field the schema does not know
 * is an error), never throwing. What a writer sets, and what HTTP accepts, is checked this way.
 */
export const validate = <Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
): Result<z.infer<Schema>, DecodeError> => {
  const parsed = schema.safeParse(input);
  return parsed.success ? { ok: true, value: parsed.data } : invalid(parsed.error);
};

/**
 * Validates the fields the schema knows and keeps the others aside, at every depth, on the
 * object they came in (ADR 040): a reader tolerates what a newer writer added. Changes `input`,
 * which must be the caller's own (freshly parsed JSON). Costs nothing more when nothing is unknown.
 */
const readTolerantly = <Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
): Result<z.infer<Schema>, DecodeError> => {
  const strict = schema.safeParse(input);
  if (strict.success) return { ok: true, value: strict.data };
  const setAside = setAsideUnknownFields(input, strict.error.issues);
  if (setAside.length === 0) return invalid(strict.error);
  const known = schema.safeParse(input);
  if (!known.success) return invalid(known.error);
  return { ok: true, value: attachUnknownFields(known.data, setAside) };
};

/**
 * The validated event as it is written: with the unknown fields its objects carry from what they
 * were copied from (ADR 040), each where it came, never in place of a field the writer set, and
 * never under a name the writer's schema knows (a field this version defines holds only what its
 * writer set and validated).
 */
const withCarriedFields = (schema: z.ZodType, valid: unknown, event: unknown): unknown => {
  if (!anyUnknownFields()) return valid;
  const added: CarriedField[] = [];
  const value = addCarriedFields(valid, event, added);
  if (added.length === 0) return value;
  // The writer's schema reports each carried field it does not know; any other, it knows.
  const check = schema.safeParse(value);
  const unknownToWriter = new Map<object, Set<string>>();
  for (const issue of check.success ? [] : check.error.issues) {
    const target = issue.code === 'unrecognized_keys' ? objectAt(value, issue.path) : undefined;
    if (target && issue.code === 'unrecognized_keys')
      unknownToWriter.set(target, new Set(issue.keys));
  }
  for (const { target, key } of added) {
    if (!unknownToWriter.get(target)?.has(key)) delete target[key];
  }
  return value;
};

const schemaVersionOf = (input: unknown): unknown =>
  typeof input === 'object' && input !== null && 'schemaVersion' in input
    ? input.schemaVersion
    : undefined;

/**
 * Turns untrusted bytes from a topic into a typed event, or a typed error naming what is wrong.
 * Never throws. Reads tolerantly (ADR 040): fields this version does not know, in the envelope or
 * at any depth of the payload, are no error; they are kept aside on the objects they came in
 * (`unknownFieldsOf`), and `encode` writes them back where such an object is written again. An
 * event of another major `schemaVersion` is read when the contract has a reader for it, and
 * converted to the event this version works with.
 */
export const decode = <Contract extends TopicContract>(
  contract: Contract,
  value: Buffer | string | null | undefined,
): Result<EventOf<Contract>, DecodeError> => {
  if (value === null || value === undefined || value.length === 0) {
    return fail('empty', 'message has no value');
  }
  const size = typeof value === 'string' ? Buffer.byteLength(value) : value.byteLength;
  const limit = messageLimitOf(contract);
  if (size > limit) return fail('too_large', `message is ${size} bytes, limit is ${limit}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString());
  } catch (error) {
    return fail('malformed_json', `not valid JSON: ${(error as Error).message}`);
  }
  const version = schemaVersionOf(parsed);
  if (typeof version !== 'number' || version === writtenSchemaVersion(contract.schema)) {
    return readTolerantly(contract.schema, parsed) as Result<EventOf<Contract>, DecodeError>;
  }
  const other = contract.otherMajors?.[version];
  if (!other) {
    return fail('unsupported_version', `schemaVersion ${version} is not supported`, [
      { field: 'schemaVersion', message: `unsupported version ${version}` },
    ]);
  }
  const read = readTolerantly(other.schema, parsed);
  return read.ok
    ? { ok: true, value: other.convert(read.value as never) as EventOf<Contract> }
    : read;
};

/**
 * Validates an event strictly (what this writer sets: every field it knows, no field it does not)
 * and turns it into the key, bytes and headers to publish, with the unknown fields its objects
 * carry from the events they were copied from (ADR 040).
 */
export const encode = <Contract extends TopicContract>(
  contract: Contract,
  event: EventOf<Contract>,
): Result<EncodedMessage, DecodeError> => {
  const checked = validate(contract.schema, event);
  if (!checked.ok) return checked;
  const valid = checked.value as EventOf<Contract> & {
    type: string;
    correlationId: string;
    eventId: string;
  };
  const value = Buffer.from(JSON.stringify(withCarriedFields(contract.schema, valid, event)));
  // Never write what the topic's readers refuse: a snapshot written above the limit committed
  // fine and then failed every restore (the k8s drain test: transaction in CrashLoopBackOff).
  const limit = messageLimitOf(contract);
  if (value.byteLength > limit) {
    return fail(
      'too_large',
      `${contract.name}: message is ${value.byteLength} bytes, limit is ${limit}`,
    );
  }
  return {
    ok: true,
    value: {
      key: contract.keyOf(valid),
      value,
      headers: {
        'event-type': valid.type,
        'event-id': valid.eventId,
        'correlation-id': valid.correlationId,
        'content-type': 'application/json',
      },
    },
  };
};
