import { Router } from 'express';
import type { Stats } from '../domain/stats';

/** `GET /stats`: live aggregates over all partitions. */
export const statsRoute = (stats: () => Stats): Router => {
  const router = Router();
  router.get('/stats', (_req, res) => {
    res.json(stats());
  });
  return router;
};
