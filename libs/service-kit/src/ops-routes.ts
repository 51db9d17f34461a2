import { Router, type Request, type Response } from 'express';
import type { Registry } from 'prom-client';

export interface ReadinessCheck {
  readonly name: string;
  readonly ready: () => boolean;
  /** Why it is not ready, when there is more to say than false: shown under `reasons`. */
  readonly why?: () => string | undefined;
}

/**
 * Ready while the consumer takes every partition it owns; if its co-partitioned topics' counts
 * differ (someone grew some with `kafka-topics --alter`), not ready, and /readyz says what to run.
 */
export const partitionCountCheck = (consumer: {
  partitionCountStatus(): { ok: boolean; reason?: string };
}): ReadinessCheck => ({
  name: 'partition_counts',
  ready: () => consumer.partitionCountStatus().ok,
  why: () => consumer.partitionCountStatus().reason,
});

/** `/healthz` (the process is alive), `/readyz` (its dependencies are), `/metrics`. */
export const opsRoutes = (registry: Registry, checks: readonly ReadinessCheck[]): Router => {
  const router = Router();
  router.get('/healthz', (_req: Request, res: Response) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', (_req: Request, res: Response) => {
    const results = Object.fromEntries(checks.map((check) => [check.name, check.ready()]));
    const ready = Object.values(results).every(Boolean);
    const reasons = Object.fromEntries(
      checks.flatMap((check) => {
        const why = results[check.name] ? undefined : check.why?.();
        return why ? [[check.name, why]] : [];
      }),
    );
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'not_ready',
      checks: results,
      ...(Object.keys(reasons).length > 0 ? { reasons } : {}),
    });
  });
  router.get('/metrics', async (_req: Request, res: Response) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  return router;
};
