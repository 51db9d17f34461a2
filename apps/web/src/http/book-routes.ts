import express, { Router } from 'express';
import type { RideUpdates } from '../domain/ride-updates';
import type { RidesClient } from '../rides-client';
import type { EventStreams } from './event-stream';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `POST /api/rides` hands the request to the rides API unchanged and its answer back (a 202, or
 * the 4xx naming the bad fields); `GET /api/rides/:rideId/updates` streams the ride's steps.
 */
export const bookRoutes = (deps: {
  rides: RidesClient;
  updates: RideUpdates;
  streams: EventStreams;
}): Router => {
  const router = Router();
  router.post('/api/rides', express.text({ type: () => true, limit: '16kb' }), async (req, res) => {
    const answer = await deps.rides.requestRide(String(req.body ?? ''), {
      contentType: req.get('content-type'),
      correlationId: req.get('x-correlation-id'),
    });
    res.status(answer.status).type('application/json').send(answer.body);
  });
  router.get('/api/rides/:rideId/updates', (req, res) => {
    const { rideId } = req.params;
    if (!UUID.test(rideId)) {
      res.status(400).json({
        error: 'validation_failed',
        message: 'not a ride id',
        fields: [{ field: 'rideId', message: 'must be a UUID' }],
      });
      return;
    }
    deps.streams.start(req, res, (stream) =>
      deps.updates.subscribe(rideId, (update) => stream.send('ride', update)),
    );
  });
  return router;
};
