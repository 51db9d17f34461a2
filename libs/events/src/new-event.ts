import { randomUUID } from 'node:crypto';

/** The envelope fields of a fresh event; `occurredAt` defaults to now. */
export const newEnvelope = <Type extends string>(
  type: Type,
  correlationId: string,
  now: Date = new Date(),
) => ({
  eventId: randomUUID(),
  type,
  schemaVersion: 1 as const,
  occurredAt: now.toISOString(),
  correlationId,
});
