import { Router } from 'express';
import type { OperationsView, ServiceArea } from '../domain/views';
import type { EventStreams } from './event-stream';

/** `GET /api/area`: the map's area; `GET /api/operations`: the operations view, as it changes. */
export const watchRoutes = (deps: {
  area: ServiceArea;
  streams: EventStreams;
  latest: () => OperationsView | undefined;
  onView: (listener: (view: OperationsView) => void) => () => void;
}): Router => {
  const router = Router();
  router.get('/api/area', (_req, res) => {
    res.json(deps.area);
  });
  router.get('/api/operations', (req, res) => {
    deps.streams.start(req, res, (stream) => {
      const latest = deps.latest();
      if (latest) stream.send('operations', latest);
      return deps.onView((view) => stream.send('operations', view));
    });
  });
  return router;
};
