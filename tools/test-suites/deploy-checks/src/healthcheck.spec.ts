import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { workspaceRoot } from './deploy-files';

/** The image's HEALTHCHECK command, run as Docker runs it: exit 0 is healthy. */
const healthcheck = async (env: Record<string, string>): Promise<number | null> => {
  const child = spawn(
    process.execPath,
    [path.join(workspaceRoot, 'deploy/docker/healthcheck.js')],
    {
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: 'ignore',
    },
  );
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
};

describe('the image healthcheck (deploy/docker/healthcheck.js)', () => {
  let server: Server;
  let status = 200;
  let port: number;
  const paths: string[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      paths.push(request.url ?? '');
      response.writeHead(status).end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });

  afterAll(() => {
    server.close();
  });

  it('when /healthz answers 200 on HTTP_PORT, then the container is healthy', async () => {
    status = 200;

    const code = await healthcheck({ HTTP_PORT: String(port), TAXI_SERVICE: 'rides' });

    expect(code).toBe(0);
    expect(paths.at(-1)).toBe('/healthz');
  });

  it('when /healthz answers 503, then the container is unhealthy', async () => {
    status = 503;

    expect(await healthcheck({ HTTP_PORT: String(port) })).toBe(1);
  });

  it('when nothing listens, then the container is unhealthy', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const unused = (closed.address() as AddressInfo).port;
    closed.close();

    expect(await healthcheck({ HTTP_PORT: String(unused) })).toBe(1);
  });
});
