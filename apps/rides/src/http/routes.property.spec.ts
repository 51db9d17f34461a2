import fc from 'fast-check';
import { startRidesTestServer, validRideBody, type RidesTestServer } from './test-server';

const post = (url: string, body: string) =>
  fetch(`${url}/rides`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });

// Hundreds of real HTTP round trips per property: jest's 5 s is a guess about the machine, not a
// guard. These wait on answers; a hang still fails, after a minute.
jest.setTimeout(60_000);

describe('POST /rides, for any body', () => {
  let server: RidesTestServer;
  const publish = jest.fn().mockResolvedValue(undefined);

  beforeAll(async () => {
    server = await startRidesTestServer(publish, 4096);
  });

  afterAll(() => server.close());

  it('when the body is any JSON value, then the answer is 202 or a 4xx JSON error, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.json({ maxDepth: 3 }), async (body) => {
        const response = await post(server.url, body);
        const answer = (await response.json()) as { error?: string };
        expect([202, 400, 413]).toContain(response.status);
        if (response.status !== 202) expect(typeof answer.error).toBe('string');
      }),
      { numRuns: 300 },
    );
  });

  it('when any field of a valid request is replaced by anything, then the answer is never a 5xx', async () => {
    const fields = Object.keys(validRideBody);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...fields), fc.jsonValue(), async (field, value) => {
        const response = await post(
          server.url,
          JSON.stringify({ ...validRideBody, [field]: value }),
        );
        await response.arrayBuffer();
        expect([202, 400, 413]).toContain(response.status);
      }),
      { numRuns: 300 },
    );
  });

  it('when the body is arbitrary text, then the server answers 4xx and keeps serving', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200, unit: 'binary' }), async (text) => {
        const response = await post(server.url, text);
        await response.arrayBuffer();
        expect(response.status).toBeGreaterThanOrEqual(200);
        expect(response.status).toBeLessThan(500);
      }),
      { numRuns: 300 },
    );

    const after = await post(server.url, JSON.stringify(validRideBody));
    expect(after.status).toBe(202);
  });

  it('when a flood of bad requests arrives at once, then each gets its 4xx and the server keeps serving', async () => {
    // 500 at once: a flood for one process, and few enough sockets to finish in a loaded CI run.
    const bodies = Array.from({ length: 500 }, (_, n) =>
      n % 2 === 0 ? '{"broken": ' : JSON.stringify({ ...validRideBody, passengers: 100 + n }),
    );

    const statuses = await Promise.all(
      bodies.map(async (body) => {
        const response = await post(server.url, body);
        await response.arrayBuffer();
        return response.status;
      }),
    );
    const after = await post(server.url, JSON.stringify(validRideBody));

    expect(new Set(statuses)).toEqual(new Set([400]));
    expect(after.status).toBe(202);
  });
});
