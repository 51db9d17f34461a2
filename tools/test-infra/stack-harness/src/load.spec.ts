import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendRides } from './load';

describe('sendRides at a steady rate', () => {
  let server: Server;
  let url: string;
  let requests = 0;

  beforeAll(async () => {
    server = createServer((request, response) => {
      requests += 1;
      request.resume();
      response.writeHead(202, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ rideId: `ride-${requests}` }));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => server.close());

  it('when the stream ends while workers wait for their rides’ turns, then none of those rides past the count is sent', async () => {
    let end: () => void = () => undefined;
    const until = new Promise<void>((resolve) => (end = resolve));

    const report = await sendRides(() => url, {
      count: 2,
      perSecond: 2,
      concurrency: 16,
      until,
      onAccepted: (acceptedSoFar) => {
        if (acceptedSoFar === 2) end();
      },
    });

    // 16 workers had claimed rides 0-15, each waiting for its turn (ride 15 at 7.5 s).
    expect(report.accepted).toHaveLength(2);
    expect(requests).toBe(2);
  });
});
