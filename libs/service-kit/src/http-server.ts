import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express, type Router } from 'express';

export interface RunningServer {
  readonly port: number;
  readonly close: () => Promise<void>;
}

/** Longer than any idle timeout of the clients and load balancers in front (AWS ALB: 60 s). */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** Listens on the port (0 picks a free one, as tests do) and closes idle keep-alive sockets on close. */
export const listen = (app: Express, port: number, host = '0.0.0.0'): Promise<RunningServer> =>
  new Promise((resolve, reject) => {
    const server: Server = app.listen(port, host, (error?: Error) => {
      if (error) return reject(error);
      // An idle keep-alive connection is closed by the client or the proxy in front, never by the
      // server first: with Node's 5 s, a client reusing a connection at the moment the server
      // drops it gets ECONNRESET (fetch keeps them 4 s; load balancers up to 60 s), and a stalled
      // event loop makes that moment likely (the rides property test failed that way under load).
      server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
      server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000;
      resolve({
        port: (server.address() as AddressInfo).port,
        // Stops accepting, lets requests in progress finish, and closes each keep-alive
        // connection as soon as it falls idle (rather than after the keep-alive timeout).
        close: () =>
          new Promise<void>((done, fail) => {
            const sweep = setInterval(() => server.closeIdleConnections(), 50);
            server.close((closeError) => {
              clearInterval(sweep);
              if (closeError) fail(closeError);
              else done();
            });
            server.closeIdleConnections();
          }),
      });
    });
    server.on('error', reject);
  });

/** An HTTP server with the ops routes, plus any extra routers (analytics adds `/stats`). */
export const startOpsServer = async (options: {
  readonly port: number;
  readonly ops: Router;
  readonly routers?: readonly Router[];
}): Promise<RunningServer> => {
  const app = express();
  app.disable('x-powered-by');
  app.use(options.ops);
  for (const router of options.routers ?? []) app.use(router);
  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found', message: 'no such route' });
  });
  return listen(app, options.port);
};
