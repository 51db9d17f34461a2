import express, { Router, type Request, type Response } from 'express';
import { fieldIssues } from '@taxi/events';
import { traceHttpRequests } from '@taxi/service-kit';
import { IDEMPOTENCY_KEY, IdempotencyConflictError } from '../domain/idempotency';
import { RideOutcomeUnknownError, type AcceptedRide } from '../domain/request-ride';
import { rideRequestInputSchema, type RideRequestInput } from '../domain/ride-request-input';
import type { RideStatus } from '../domain/ride-status';
import type { RidesMetrics } from '../metrics';
import { correlationIdOf } from './correlation';
import { RETRY_AFTER_SECONDS, sendError } from './errors';

export interface RidesRoutesDeps {
  readonly requestRide: (
    input: RideRequestInput,
    context: { correlationId: string; idempotencyKey?: string | undefined },
  ) => Promise<AcceptedRide>;
  readonly rideStatus: (rideId: string) => RideStatus | undefined;
  /** False while the read model is still reading what the topics held when it started. */
  readonly readModelCaughtUp: () => boolean;
  readonly metrics: RidesMetrics;
  readonly maxBodyBytes: number;
}

/** Catching up after a restart takes well under a second; rebuilding an empty store, longer. */
const CATCHING_UP_RETRY_AFTER_SECONDS = 2;

/** 503 catching_up: what this instance has not read yet may hold the ride. */
const sendCatchingUp = (res: Response): void => {
  res.set('Retry-After', String(CATCHING_UP_RETRY_AFTER_SECONDS));
  sendError(
    res,
    503,
    'catching_up',
    'this instance is still reading the ride topics; retry after Retry-After seconds',
  );
};

/**
 * 503 outcome_unknown: Kafka had the request but did not acknowledge it in time, so the ride may
 * be booked. The answer names it, for `GET /rides/{id}` or a retry with the same Idempotency-Key.
 */
const sendOutcomeUnknown = (res: Response, rideId: string): void => {
  res.set({ 'Retry-After': String(RETRY_AFTER_SECONDS), Location: `/rides/${rideId}` });
  res.status(503).json({
    error: 'outcome_unknown',
    message:
      'the ride request reached Kafka, which did not confirm it in time: the ride may be booked. Look it up at Location, or retry with the same Idempotency-Key (never without one)',
    rideId,
  });
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const ridesRoutes = (deps: RidesRoutesDeps): Router => {
  const router = Router();
  // `jsonOnly` before it answers 415 to any other media type, so the parser need not check again.
  const json = express.json({ limit: deps.maxBodyBytes, strict: false, type: () => true });
  // Bound once: a labelled `inc` hashes its labels on every call.
  const outcome = (name: string) => deps.metrics.requests.labels({ outcome: name });
  const [invalidCount, accepted, replayed] = [
    outcome('invalid'),
    outcome('accepted'),
    outcome('replayed'),
  ];
  const invalid = () => invalidCount.inc();

  // The app mounts these routes before the probes, so they trace themselves: probes make no traces.
  const traced = traceHttpRequests();
  const jsonOnly = (req: Request, res: Response, next: () => void) => {
    if (req.is('application/json')) return next();
    invalid();
    sendError(res, 415, 'unsupported_media_type', 'send the ride request as application/json');
  };

  router.post('/rides', traced, jsonOnly, json, async (req: Request, res: Response) => {
    const parsed = rideRequestInputSchema.safeParse(req.body);
    if (!parsed.success) {
      invalid();
      const fields = fieldIssues(parsed.error).map((issue) => ({
        field: issue.field || '(body)',
        message: issue.message,
      }));
      return sendError(
        res,
        400,
        'validation_failed',
        'the ride request has invalid fields',
        fields,
      );
    }
    const idempotencyKey = req.get('idempotency-key');
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      invalid();
      return sendError(res, 400, 'validation_failed', 'the Idempotency-Key header is malformed', [
        { field: 'Idempotency-Key', message: 'must be 1-128 letters, digits or ._:-' },
      ]);
    }
    if (idempotencyKey !== undefined && !deps.readModelCaughtUp()) {
      // A ride accepted earlier with this key may be among what it has not read yet.
      deps.metrics.requests.inc({ outcome: 'unavailable' });
      return sendCatchingUp(res);
    }
    let ride: AcceptedRide;
    try {
      ride = await deps.requestRide(parsed.data, {
        correlationId: correlationIdOf(req),
        idempotencyKey,
      });
    } catch (error) {
      if (error instanceof RideOutcomeUnknownError) {
        deps.metrics.requests.inc({ outcome: 'outcome_unknown' });
        return sendOutcomeUnknown(res, error.rideId);
      }
      if (!(error instanceof IdempotencyConflictError)) {
        deps.metrics.requests.inc({ outcome: 'unavailable' });
        throw error;
      }
      invalid();
      return sendError(
        res,
        422,
        'idempotency_key_reused',
        'this Idempotency-Key was used for a different ride request',
        [{ field: 'Idempotency-Key', message: 'already used for a different request' }],
      );
    }
    (ride.replayed ? replayed : accepted).inc();
    // The bytes `res.status(202).set(...).json(...)` would send, in one call: without Express's
    // settings look-ups, header normalisation and charset parsing on every accepted ride.
    const body = JSON.stringify({
      rideId: ride.rideId,
      // A new ride is requested; only a replay may have its outcome already.
      status: (ride.replayed && deps.rideStatus(ride.rideId)?.status) || 'requested',
      requestedAt: ride.requestedAt,
      correlationId: ride.correlationId,
    });
    res
      .writeHead(202, {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': Buffer.byteLength(body),
        Location: `/rides/${ride.rideId}`,
        'X-Correlation-Id': ride.correlationId,
        ...(ride.replayed && { 'Idempotent-Replayed': 'true' }),
      })
      .end(body);
  });

  router.get('/rides/:rideId', traced, (req: Request<{ rideId: string }>, res: Response) => {
    const { rideId } = req.params;
    if (!UUID.test(rideId)) {
      return sendError(res, 400, 'validation_failed', 'rideId must be a UUID', [
        { field: 'rideId', message: 'must be a UUID' },
      ]);
    }
    const status = deps.rideStatus(rideId);
    // "Not yet", not "no such ride".
    if (!status && !deps.readModelCaughtUp()) return sendCatchingUp(res);
    if (!status) return sendError(res, 404, 'not_found', `no ride ${rideId}`);
    res.json(status);
  });

  return router;
};
