import { Router } from 'express';
import { z } from 'zod';
import { createDocument, type ZodOpenApiResponseObject } from 'zod-openapi';
import { rideConfirmationSchema, rideRejectionSchema } from '@taxi/events';
import { IDEMPOTENCY_KEY } from '../domain/idempotency';
import { rideRequestInputSchema } from '../domain/ride-request-input';

// The OpenAPI document of the rides API, generated from the zod schemas the routes validate with,
// so the spec cannot drift from the validation. http/openapi.spec.ts fails when a route or a
// status in the code is missing here; schemathesis fuzzes the running service against it.

const fieldErrorSchema = z.object({ field: z.string(), message: z.string() });
const errorSchema = z
  .object({ error: z.string(), message: z.string(), fields: z.array(fieldErrorSchema).optional() })
  .meta({ id: 'Error', description: 'Every error: a code, a sentence, and the fields at fault.' });

const outcomeUnknownSchema = z
  .object({
    error: z.literal('outcome_unknown'),
    message: z.string(),
    rideId: z.uuid().meta({ description: 'The ride that may have been booked' }),
  })
  .meta({
    id: 'OutcomeUnknown',
    description:
      'Kafka had the request but did not acknowledge it in time: the ride may be booked. Look it up with GET /rides/{rideId}, or retry with the same Idempotency-Key, which returns that ride and never books a second one.',
  });

const acceptedRideSchema = z
  .object({
    rideId: z.uuid(),
    status: z.enum(['requested', 'confirmed', 'rejected']),
    requestedAt: z.iso.datetime({ offset: true }),
    correlationId: z.string(),
  })
  .meta({ id: 'AcceptedRide' });

const confirmed = rideConfirmationSchema.shape;
const rejected = rideRejectionSchema.shape;
const rideStatusSchema = z
  .discriminatedUnion('status', [
    z.object({
      rideId: confirmed.rideId,
      status: z.literal('requested'),
      requestedAt: confirmed.requestedAt,
    }),
    z.object({
      rideId: confirmed.rideId,
      status: z.literal('confirmed'),
      requestedAt: confirmed.requestedAt,
      confirmedAt: confirmed.confirmedAt,
      driver: confirmed.driver,
      vehicle: confirmed.vehicle,
      pickupEta: confirmed.pickupEta,
      fare: confirmed.fare,
    }),
    z.object({
      rideId: rejected.rideId,
      status: z.literal('rejected'),
      requestedAt: rejected.requestedAt,
      rejectedAt: rejected.rejectedAt,
      reason: rejected.reason,
      detail: rejected.detail,
    }),
  ])
  .meta({ id: 'RideStatus' });

const error = (description: string, headers?: z.ZodObject): ZodOpenApiResponseObject => ({
  description,
  content: { 'application/json': { schema: errorSchema } },
  ...(headers && { headers }),
});

const internalError = error('Unexpected failure; the body never carries internal details.');

export const openApiDocument = () =>
  createDocument({
    openapi: '3.1.0',
    info: {
      title: 'taxi-kafka rides API',
      version: '1.0.0',
      description:
        'Ride requests are validated, published to Kafka (`ride_details`, keyed by ride id) and ' +
        'answered 202 once the broker acknowledged. Events: docs/asyncapi.yaml.',
    },
    paths: {
      '/rides': {
        post: {
          operationId: 'requestRide',
          summary: 'Request a ride',
          requestParams: {
            header: z.object({
              'idempotency-key': z.string().regex(IDEMPOTENCY_KEY).optional().meta({
                description:
                  'Makes retries safe: the same key and body give the same ride, never a second one. 1-128 letters, digits or `._:-`',
              }),
              // Any value is accepted: one that is not a safe token is replaced by a fresh one.
              'x-correlation-id': z.string().optional().meta({
                description:
                  'Follows the request through every service: kept when 1-128 letters, digits or `._:-`, otherwise replaced by a fresh one',
              }),
            }),
          },
          requestBody: {
            required: true,
            content: { 'application/json': { schema: rideRequestInputSchema } },
          },
          responses: {
            '202': {
              description: 'Accepted: published to Kafka. Poll the Location for the outcome.',
              headers: z.object({
                location: z.string().meta({ description: '/rides/{rideId}' }),
                'x-correlation-id': z.string(),
                'idempotent-replayed': z
                  .literal('true')
                  .optional()
                  .meta({ description: 'Set when an Idempotency-Key retry got the earlier ride' }),
              }),
              content: { 'application/json': { schema: acceptedRideSchema } },
            },
            '400': error('A field (named in `fields`) is invalid, or the body is not JSON.'),
            '413': error('The body is larger than MAX_BODY_BYTES.'),
            '415': error('The body is not UTF-8 `application/json`.'),
            '422': error('The Idempotency-Key was already used for a different ride request.'),
            '500': internalError,
            '503': {
              description:
                'Not accepted now; retry after Retry-After seconds, with the same Idempotency-Key. `unavailable`: Kafka cannot take the request (a partition without a leader or with too few in-sync replicas, the brokers away); nothing was booked. `catching_up`: for a request with an Idempotency-Key, this instance is still reading the ride topics after a start; nothing was booked. `outcome_unknown` (with `rideId` and Location): Kafka had the request but did not acknowledge it in time, so the ride may be booked; a retry with the same Idempotency-Key returns that ride, a retry without one may book a second.',
              headers: z.object({
                'retry-after': z.string().regex(/^\d+$/),
                location: z
                  .string()
                  .optional()
                  .meta({ description: 'With `outcome_unknown`: /rides/{rideId}' }),
              }),
              content: {
                'application/json': { schema: z.union([errorSchema, outcomeUnknownSchema]) },
              },
            },
          },
        },
      },
      '/rides/{rideId}': {
        get: {
          operationId: 'getRide',
          summary: 'A ride and its outcome, from the read model of the ride topics',
          requestParams: { path: z.object({ rideId: z.string().meta({ format: 'uuid' }) }) },
          responses: {
            '200': {
              description: 'The ride: requested, confirmed or rejected.',
              content: { 'application/json': { schema: rideStatusSchema } },
            },
            '400': error('rideId is not a UUID.'),
            '404': error('No such ride (unknown, or older than the read model keeps).'),
            '500': internalError,
            '503': error(
              'This instance is still reading the ride topics after a start and has not seen this ride yet; retry after Retry-After seconds.',
              z.object({ 'retry-after': z.string().regex(/^\d+$/) }),
            ),
          },
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'getOpenApi',
          summary: 'This document',
          responses: { '200': { description: 'OpenAPI 3.1', content: { 'application/json': {} } } },
        },
      },
      '/healthz': {
        get: {
          operationId: 'health',
          summary: 'Liveness probe',
          responses: {
            '200': {
              description: 'The process is alive',
              content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } },
            },
          },
        },
      },
      '/readyz': {
        get: {
          operationId: 'ready',
          summary: 'Readiness probe: the Kafka producer and the read model consumer',
          responses: Object.fromEntries(
            (['200', '503'] as const).map((status) => [
              status,
              {
                description: status === '200' ? 'Ready' : 'Not ready',
                content: {
                  'application/json': {
                    schema: z.object({
                      status: z.enum(['ready', 'not_ready']),
                      checks: z.record(z.string(), z.boolean()),
                    }),
                  },
                },
              },
            ]),
          ),
        },
      },
      '/metrics': {
        get: {
          operationId: 'metrics',
          summary: 'Prometheus metrics',
          responses: {
            '200': { description: 'Prometheus text format', content: { 'text/plain': {} } },
          },
        },
      },
    },
  });

type OpenApiDocument = ReturnType<typeof openApiDocument>;

/**
 * 405 with an Allow header for a documented path asked with a method it does not have (a 404
 * would say the resource does not exist). Mounted after the routes, before the 404 fallback.
 */
export const methodNotAllowed = (document: OpenApiDocument = openApiDocument()): Router => {
  const router = Router();
  for (const [route, item] of Object.entries(document.paths ?? {})) {
    const methods = Object.keys(item ?? {}).map((method) => method.toUpperCase());
    const allow = [...methods, ...(methods.includes('GET') ? ['HEAD'] : [])].join(', ');
    router.all(route.replace(/\{(\w+)\}/g, ':$1'), (req, res, next) => {
      if (req.method === 'OPTIONS') return next();
      res
        .status(405)
        .set('Allow', allow)
        .json({
          error: 'method_not_allowed',
          message: `${req.method} is not allowed here; use ${allow}`,
        });
    });
  }
  return router;
};

/** GET /openapi.json; the document is built once, on the first request. */
export const openApiRoute = (): Router => {
  let document: OpenApiDocument | undefined;
  return Router().get('/openapi.json', (_req, res) => {
    document ??= openApiDocument();
    res.json(document);
  });
};
