import { randomUUID } from 'node:crypto';
import type { Request } from 'express';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's `X-Correlation-Id` when it is a safe token, otherwise a fresh one. */
export const correlationIdOf = (req: Request): string => {
  const given = req.get('x-correlation-id');
  return given !== undefined && SAFE_ID.test(given) ? given : randomUUID();
};
