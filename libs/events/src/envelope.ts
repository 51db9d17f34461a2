import { z } from 'zod';

/** Every event on every topic travels in this envelope; the payload depends on `type`. */
export const envelopeFields = {
  eventId: z.uuid(),
  /** The major version of the event's schema: a new one only for a breaking change (ADR 040). */
  schemaVersion: z.literal(1),
  occurredAt: z.iso.datetime({ offset: true }),
  /** Follows one customer request through every service; logged by all of them. */
  correlationId: z.string().min(1).max(128),
};

/**
 * An event schema: the envelope with its `type`, payload and major `schemaVersion` (1 unless a
 * breaking change made a new one). Strict, as writers are: every field known, none more. Readers
 * are tolerant of fields they do not know (codec.ts `decode`, ADR 040).
 */
export const envelope = <
  Type extends string,
  Payload extends z.ZodType,
  Version extends number = 1,
>(
  type: Type,
  payload: Payload,
  schemaVersion: Version = 1 as Version,
) =>
  z
    .object({
      ...envelopeFields,
      schemaVersion: z.literal(schemaVersion),
      type: z.literal(type),
      payload,
    })
    .strict();

/** The `schemaVersion` an event schema writes (its envelope's literal); undefined if it has none. */
export const writtenSchemaVersion = (schema: z.ZodType): number | undefined => {
  // A union of envelopes (a topic with several event types) writes the major they all write.
  if (schema instanceof z.ZodDiscriminatedUnion || schema instanceof z.ZodUnion) {
    const versions = new Set(
      schema.options.map((option) => writtenSchemaVersion(option as z.ZodType)),
    );
    const [only] = versions;
    return versions.size === 1 ? only : undefined;
  }
  const field = schema instanceof z.ZodObject ? schema.shape['schemaVersion'] : undefined;
  return field instanceof z.ZodLiteral && typeof field.value === 'number' ? field.value : undefined;
};
