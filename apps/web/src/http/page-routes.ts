import path from 'node:path';
import express, { Router } from 'express';

/**
 * The page and its bundle. The policy allows nothing but this origin: no CDN, font or tile
 * server can sneak in, and the browser tests would fail if one did.
 */
export const pageRoutes = (publicDir: string): Router => {
  const router = Router();
  router.use((_req, res, next) => {
    res.set(
      'content-security-policy',
      "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'",
    );
    res.set('x-content-type-options', 'nosniff');
    next();
  });
  router.use(express.static(path.resolve(publicDir), { index: 'index.html', maxAge: 0 }));
  return router;
};
