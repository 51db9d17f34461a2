import express, { Router, type Request, type Response } from 'express';
import { fieldIssues, type RideRequestedEvent } from '@taxi/events';
import { rideRequestInputSchema, type RideRequestInput } from '../domain/ride-request-input';
import type { RideStatus } from '../domain/ride-status';
import type { RidesMetrics } from '../metrics';
import { correlationIdOf } from './correlation';
import { sendError } from './errors';

export interface RidesRoutesDeps {
  readonly requestRide: (
    input: RideRequestInput,
    correlationId: string,
  ) => Promise<RideRequestedEvent>;
  readonly rideStatus: (rideId: string) => RideStatus | undefined;
  readonly metrics: RidesMetrics;
  readonly maxBodyBytes: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const ridesRoutes = (deps: RidesRoutesDeps): Router => {
  const router = Router();
  const json = express.json({ limit: deps.maxBodyBytes, strict: false, type: 'application/json' });

  router.post('/rides', (req, res, next) => {
    if (!req.is('application/json')) {
      deps.metrics.requests.inc({ outcome: 'invalid' });
      return sendError(
        res,
        415,
        'unsupported_media_type',
        'send the ride request as application/json',
      );
    }
    next();
  });

  router.post('/rides', json, async (req: Request, res: Response) => {
    const parsed = rideRequestInputSchema.safeParse(req.body);
    if (!parsed.success) {
      deps.metrics.requests.inc({ outcome: 'invalid' });
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
    const correlationId = correlationIdOf(req);
    try {
      const event = await deps.requestRide(parsed.data, correlationId);
      deps.metrics.requests.inc({ outcome: 'accepted' });
      const { rideId, requestedAt } = event.payload;
      res
        .status(202)
        .set('Location', `/rides/${rideId}`)
        .set('X-Correlation-Id', correlationId)
        .json({ rideId, status: 'requested', requestedAt, correlationId });
    } catch (error) {
      deps.metrics.requests.inc({ outcome: 'unavailable' });
      throw error;
    }
  });

  router.get('/rides/:rideId', (req: Request<{ rideId: string }>, res: Response) => {
    const { rideId } = req.params;
    if (!UUID.test(rideId)) {
      return sendError(res, 400, 'validation_failed', 'rideId must be a UUID', [
        { field: 'rideId', message: 'must be a UUID' },
      ]);
    }
    const status = deps.rideStatus(rideId);
    if (!status) return sendError(res, 404, 'not_found', `no ride ${rideId}`);
    res.json(status);
  });

  return router;
};
