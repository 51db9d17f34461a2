import { Router, type Request, type Response } from 'express';
import type { Registry } from 'prom-client';

export interface ReadinessCheck {
  readonly name: string;
  readonly ready: () => boolean;
}

/** `/healthz` (the process is alive), `/readyz` (its dependencies are), `/metrics`. */
export const opsRoutes = (registry: Registry, checks: readonly ReadinessCheck[]): Router => {
  const router = Router();
  router.get('/healthz', (_req: Request, res: Response) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', (_req: Request, res: Response) => {
    const results = Object.fromEntries(checks.map((check) => [check.name, check.ready()]));
    const ready = Object.values(results).every(Boolean);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks: results });
  });
  router.get('/metrics', async (_req: Request, res: Response) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  return router;
};
