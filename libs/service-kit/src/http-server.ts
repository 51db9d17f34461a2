import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express, type Router } from 'express';

export interface RunningServer {
  readonly port: number;
  readonly close: () => Promise<void>;
}

/** Listens on the port (0 picks a free one, as tests do) and closes idle keep-alive sockets on close. */
export const listen = (app: Express, port: number, host = '0.0.0.0'): Promise<RunningServer> =>
  new Promise((resolve, reject) => {
    const server: Server = app.listen(port, host, (error?: Error) => {
      if (error) return reject(error);
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
