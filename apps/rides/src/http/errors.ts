import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { KafkaRuntimeError } from '@taxi/kafka';

export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/** Every error response has this shape; no stack trace or internal message ever reaches a client. */
export const sendError = (
  res: Response,
  status: number,
  error: string,
  message: string,
  fields?: readonly FieldError[],
): void => {
  res.status(status).json(fields ? { error, message, fields } : { error, message });
};

/** How long a client should wait before retrying a request Kafka could not take. */
export const RETRY_AFTER_SECONDS = 5;

/** Maps body-parser and Kafka errors to 4xx/5xx JSON; anything else is a logged 500. */
export const errorHandler =
  (logger: Logger) =>
  (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const type = (error as { type?: string }).type;
    if (type === 'entity.too.large') {
      return sendError(res, 413, 'payload_too_large', 'request body is too large');
    }
    if (type === 'entity.parse.failed') {
      return sendError(res, 400, 'malformed_json', 'request body is not valid JSON', [
        { field: '(body)', message: 'not valid JSON' },
      ]);
    }
    if (type === 'charset.unsupported' || type === 'encoding.unsupported') {
      return sendError(res, 415, 'unsupported_media_type', 'send UTF-8 JSON');
    }
    // Never published, and never will be: the ride will not happen unless the client retries.
    if (error instanceof KafkaRuntimeError && error.retriable) {
      res.set('Retry-After', String(RETRY_AFTER_SECONDS));
      return sendError(
        res,
        503,
        'unavailable',
        'ride requests cannot be accepted right now; nothing was booked; retry later',
      );
    }
    logger.error({ err: error, path: req.path }, 'unhandled error');
    sendError(res, 500, 'internal_error', 'something went wrong');
  };
