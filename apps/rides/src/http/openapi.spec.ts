import { readFileSync } from 'node:fs';
import path from 'node:path';
import express, { type Router } from 'express';
import { Registry } from 'prom-client';
import { listen, opsRoutes } from '@taxi/service-kit';
import { ridesMetrics } from '../metrics';
import { methodNotAllowed, openApiDocument, openApiRoute } from './openapi';
import { ridesRoutes } from './routes';

interface RouteLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

/** `METHOD /path/{param}` of every route a router really serves. */
const servedRoutes = (router: Router): string[] =>
  (router.stack as RouteLayer[]).flatMap((layer) =>
    layer.route
      ? Object.keys(layer.route.methods).map(
          (method) =>
            `${method.toUpperCase()} ${layer.route?.path.replace(/:(\w+)/g, '{$1}') ?? ''}`,
        )
      : [],
  );

const source = (file: string) => readFileSync(path.join(__dirname, file), 'utf8');
/**
 * Status codes written in a piece of route code: `sendError(res, 4xx`, `.status(2xx)` and
 * `.writeHead(2xx`.
 */
const statusesIn = (code: string): string[] => [
  ...new Set(
    [
      ...code.matchAll(/sendError\(\s*res,\s*(\d{3})|\.status\((\d{3})\)|\.writeHead\((\d{3})/g),
    ].map((match) => match[1] ?? match[2] ?? (match[3] as string)),
  ),
];

describe('OpenAPI document of the rides API', () => {
  const document = openApiDocument();
  const documented = Object.entries(document.paths ?? {}).flatMap(([route, item]) =>
    Object.keys(item ?? {}).map((method) => `${method.toUpperCase()} ${route}`),
  );
  const responsesOf = (route: string, method: 'get' | 'post') =>
    Object.keys(document.paths?.[route]?.[method]?.responses ?? {});

  it('when the routers are listed, then every route they serve is documented and nothing else is', () => {
    const routers = [
      ridesRoutes({
        requestRide: jest.fn(),
        rideStatus: jest.fn(),
        readModelCaughtUp: jest.fn(),
        metrics: ridesMetrics(new Registry()),
        maxBodyBytes: 1,
      }),
      opsRoutes(new Registry(), []),
      openApiRoute(),
    ];

    const served = new Set(routers.flatMap(servedRoutes));

    expect([...served].sort()).toEqual([...documented].sort());
  });

  it('when a route handler answers a status, then that status is documented for the route', () => {
    // routes.ts, cut at each `router.<method>('<path>'`: the statuses each handler can answer.
    const handlers = source('routes.ts')
      .split(/(?=router\.(?:get|post)\()/)
      .slice(1);
    const found = handlers.map((code) => {
      const [, method, route] = /router\.(get|post)\('([^']+)'/.exec(code) ?? [];
      return {
        route: (route ?? '').replace(/:(\w+)/g, '{$1}'),
        method,
        statuses: statusesIn(code),
      };
    });

    expect(found.length).toBeGreaterThan(0);
    for (const { route, method, statuses } of found) {
      const implicitOk = method === 'get' ? ['200'] : [];
      expect({
        route,
        missing: [...statuses, ...implicitOk].filter(
          (s) => !responsesOf(route, method as 'get' | 'post').includes(s),
        ),
      }).toEqual({ route, missing: [] });
    }
  });

  it('when the error handler answers a status, then POST /rides documents it, 503 with Retry-After', () => {
    const statuses = statusesIn(source('errors.ts'));
    const post = document.paths?.['/rides']?.post?.responses ?? {};

    expect(statuses.filter((status) => !(status in post))).toEqual([]);
    expect(statuses).toEqual(expect.arrayContaining(['400', '413', '415', '500', '503']));
    expect(Object.keys(post['503']?.headers ?? {})).toContain('retry-after');
  });

  it('when POST /rides is read, then it documents the Idempotency-Key header with its pattern', () => {
    const parameters = (document.paths?.['/rides']?.post?.parameters ?? []) as {
      name: string;
      in: string;
      schema: { pattern?: string };
    }[];

    expect(parameters.find((p) => p.name === 'idempotency-key')).toMatchObject({
      in: 'header',
      schema: { pattern: expect.any(String) },
    });
  });

  it('when GET /openapi.json is requested, then it serves the document', async () => {
    const server = await listen(express().use(openApiRoute()), 0, '127.0.0.1');
    try {
      const response = await fetch(`http://127.0.0.1:${server.port}/openapi.json`);

      expect(response.status).toBe(200);
      expect(await response.json()).toEqual(JSON.parse(JSON.stringify(document)));
    } finally {
      await server.close();
    }
  });

  it('when a documented path is asked with another method, then it answers 405 naming the allowed ones', async () => {
    const server = await listen(express().use(methodNotAllowed(document)), 0, '127.0.0.1');
    try {
      const response = await fetch(`http://127.0.0.1:${server.port}/rides`, { method: 'PUT' });

      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
      expect(await response.json()).toMatchObject({ error: 'method_not_allowed' });
    } finally {
      await server.close();
    }
  });
});
