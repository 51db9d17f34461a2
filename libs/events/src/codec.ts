import type { z } from 'zod';
import { SUPPORTED_SCHEMA_VERSIONS } from './envelope';
import type { EventOf, TopicContract } from './topics';

/** Larger messages are refused before parsing; real events are a few hundred bytes. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

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

/** Validates an already-parsed value against a schema, never throwing. */
export const validate = <Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
): Result<z.infer<Schema>, DecodeError> => {
  const parsed = schema.safeParse(input);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issues = fieldIssues(parsed.error);
  return fail('invalid', describe(issues), issues);
};

const schemaVersionOf = (input: unknown): unknown =>
  typeof input === 'object' && input !== null && 'schemaVersion' in input
    ? input.schemaVersion
    : undefined;

/**
 * Turns untrusted bytes from a topic into a typed event, or a typed error naming what is wrong.
 * Never throws.
 */
export const decode = <Contract extends TopicContract>(
  contract: Contract,
  value: Buffer | string | null | undefined,
): Result<EventOf<Contract>, DecodeError> => {
  if (value === null || value === undefined || value.length === 0) {
    return fail('empty', 'message has no value');
  }
  const size = typeof value === 'string' ? Buffer.byteLength(value) : value.byteLength;
  if (size > MAX_MESSAGE_BYTES) {
    return fail('too_large', `message is ${size} bytes, limit is ${MAX_MESSAGE_BYTES}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString());
  } catch (error) {
    return fail('malformed_json', `not valid JSON: ${(error as Error).message}`);
  }
  const version = schemaVersionOf(parsed);
  if (typeof version === 'number' && !SUPPORTED_SCHEMA_VERSIONS.includes(version)) {
    return fail('unsupported_version', `schemaVersion ${version} is not supported`, [
      { field: 'schemaVersion', message: `unsupported version ${version}` },
    ]);
  }
  return validate(contract.schema, parsed) as Result<EventOf<Contract>, DecodeError>;
};

/** Validates an event and turns it into the key, bytes and headers to publish. */
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
  return {
    ok: true,
    value: {
      key: contract.keyOf(valid),
      value: Buffer.from(JSON.stringify(valid)),
      headers: {
        'event-type': valid.type,
        'event-id': valid.eventId,
        'correlation-id': valid.correlationId,
        'content-type': 'application/json',
      },
    },
  };
};
