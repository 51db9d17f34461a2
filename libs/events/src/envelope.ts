import { z } from 'zod';

/** Every event on every topic travels in this envelope; the payload depends on `type`. */
export const envelopeFields = {
  eventId: z.uuid(),
  schemaVersion: z.literal(1),
  occurredAt: z.iso.datetime({ offset: true }),
  /** Follows one customer request through every service; logged by all of them. */
  correlationId: z.string().min(1).max(128),
};

export const envelope = <Type extends string, Payload extends z.ZodType>(
  type: Type,
  payload: Payload,
) =>
  z
    .object({
      ...envelopeFields,
      type: z.literal(type),
      payload,
    })
    .strict();

export const SUPPORTED_SCHEMA_VERSIONS: readonly number[] = [1];
