import { KafkaRuntimeError, PublishOutcomeUnknownError } from '@taxi/kafka';
import { rideIdForKey } from '../domain/idempotency';
import type { RideStore } from '../store/ride-store';
import {
  startRidesTestServer,
  validRideBody as validBody,
  type RidesTestServer,
} from './test-server';

/** What the API answers; tests read fields off it. */
type Answer = {
  rideId: string;
  error: string;
  fields: { field: string; message: string }[];
  [key: string]: unknown;
};
const json = async (response: Response) => (await response.json()) as Answer;

describe('rides HTTP API', () => {
  let server: RidesTestServer;
  let publish: jest.Mock;
  let store: RideStore;
  let url: string;

  beforeEach(async () => {
    publish = jest.fn().mockResolvedValue(undefined);
    server = await startRidesTestServer(publish);
    ({ store, url } = server);
  });

  afterEach(() => server.close());

  const post = (
    body: string,
    headers: Record<string, string> = { 'content-type': 'application/json' },
  ) => fetch(`${url}/rides`, { method: 'POST', body, headers });

  it('when a valid ride is posted, then it answers 202 with the ride id and Location after publishing', async () => {
    const response = await post(JSON.stringify(validBody), {
      'content-type': 'application/json',
      'x-correlation-id': 'corr-abc',
    });

    const body = await json(response);
    expect(response.status).toBe(202);
    expect(body).toMatchObject({ status: 'requested', correlationId: 'corr-abc' });
    expect(response.headers.get('location')).toBe(`/rides/${body.rideId}`);
    expect(publish).toHaveBeenCalledTimes(1);
    const [[event]] = publish.mock.calls[0];
    expect(event.payload).toMatchObject({ ...validBody, rideId: body.rideId });
    expect(event.correlationId).toBe('corr-abc');
  });

  it.each([
    ['with a vehicle class', { ...validBody, vehicleClass: 'xl' }, 'xl'],
    ['without one', validBody, 'standard'],
  ])(
    'when a ride is posted %s, then ride.requested names the class (standard by default)',
    async (_, body, vehicleClass) => {
      const response = await post(JSON.stringify(body));

      expect(response.status).toBe(202);
      const [[event]] = publish.mock.calls[0];
      expect(event.payload.vehicleClass).toBe(vehicleClass);
    },
  );

  it('when a valid ride is posted, then the 202 is UTF-8 JSON of the length it declares', async () => {
    const response = await post(JSON.stringify(validBody));

    const bytes = Buffer.from(await response.arrayBuffer());
    expect(response.status).toBe(202);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(Number(response.headers.get('content-length'))).toBe(bytes.length);
    expect(response.headers.get('idempotent-replayed')).toBeNull();
    expect(JSON.parse(bytes.toString('utf8'))).toMatchObject({ status: 'requested' });
  });

  it('when the ride was accepted, then GET /rides/{id} reports it as requested', async () => {
    const created = await json(await post(JSON.stringify(validBody)));

    const response = await fetch(`${url}/rides/${created.rideId}`);

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ rideId: created.rideId, status: 'requested' });
  });

  it.each([
    ['a field has the wrong type', { ...validBody, passengers: 'two' }, ['passengers']],
    [
      'fields are missing',
      { pickup: validBody.pickup },
      ['customerId', 'customerEmail', 'dropoff', 'passengers', 'paymentToken'],
    ],
    [
      'coordinates are out of range',
      { ...validBody, pickup: { lat: 91, lng: 200 } },
      ['pickup.lat', 'pickup.lng'],
    ],
    ['pickup equals drop-off', { ...validBody, dropoff: validBody.pickup }, ['dropoff']],
    ['an unknown field is sent', { ...validBody, tip: 5 }, ['(body)']],
    ['the vehicle class is unknown', { ...validBody, vehicleClass: 'limousine' }, ['vehicleClass']],
    [
      'the email is not an email',
      { ...validBody, customerEmail: 'not-an-email' },
      ['customerEmail'],
    ],
    [
      'a string carries control characters',
      { ...validBody, customerId: 'a\u0000b' },
      ['customerId'],
    ],
    [
      'a string carries markup',
      { ...validBody, customerId: '<script>alert(1)</script>' },
      ['customerId'],
    ],
    ['the body is not an object', [1, 2, 3], ['(body)']],
  ])(
    'when %s, then it answers 400 naming the fields and publishes nothing',
    async (_, body, fields) => {
      const response = await post(JSON.stringify(body));

      const answer = await json(response);
      expect(response.status).toBe(400);
      expect(answer.error).toBe('validation_failed');
      for (const field of fields) expect(answer.fields.map((f) => f.field)).toContain(field);
      expect(answer.fields.length).toBeGreaterThan(0);
      expect(publish).not.toHaveBeenCalled();
    },
  );

  it.each([
    ['in the body', { ...validBody, tip: 5 }, '(body)', 'Unrecognized key: "tip"'],
    [
      'in a nested object',
      { ...validBody, pickup: { ...validBody.pickup, alt: 12 } },
      'pickup',
      'Unrecognized key: "alt"',
    ],
  ])(
    'when an unknown field is sent %s, then the 400 names it: the API stays strict, unlike event readers (ADR 040)',
    async (_, body, field, message) => {
      const response = await post(JSON.stringify(body));

      expect(response.status).toBe(400);
      expect((await json(response)).fields).toEqual([{ field, message }]);
      expect(publish).not.toHaveBeenCalled();
    },
  );

  it('when the JSON is malformed, then it answers 400 malformed_json without a stack trace', async () => {
    const response = await post('{"customerId": ');

    const text = await response.text();
    expect(response.status).toBe(400);
    expect(JSON.parse(text)).toMatchObject({ error: 'malformed_json' });
    expect(text).not.toMatch(/at .*\.(js|ts):\d+/);
    expect(publish).not.toHaveBeenCalled();
  });

  it('when the content type is not JSON, then it answers 415', async () => {
    const response = await post(JSON.stringify(validBody), { 'content-type': 'text/plain' });

    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({ error: 'unsupported_media_type' });
    expect(publish).not.toHaveBeenCalled();
  });

  it('when the body is over the limit, then it answers 413', async () => {
    const response = await post(JSON.stringify({ ...validBody, customerId: 'x'.repeat(2048) }));

    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: 'payload_too_large' });
    expect(publish).not.toHaveBeenCalled();
  });

  it('when Kafka does not acknowledge, then it answers 503 with Retry-After and records nothing', async () => {
    publish.mockRejectedValue(new KafkaRuntimeError('no ack', 'publish_timeout', true));

    const response = await post(JSON.stringify(validBody), {
      'content-type': 'application/json',
      'idempotency-key': 'key-503',
    });

    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.json()).toMatchObject({ error: 'unavailable' });
    expect(store.get(rideIdForKey(validBody.customerId, 'key-503'))).toBeUndefined();
  });

  it('when Kafka had the request but did not acknowledge it, then it answers 503 outcome_unknown naming the ride', async () => {
    publish.mockRejectedValue(
      new PublishOutcomeUnknownError('no ack', new Promise<boolean>(() => undefined)),
    );

    const response = await post(JSON.stringify(validBody));

    const body = await json(response);
    const [[event]] = publish.mock.calls[0];
    expect(response.status).toBe(503);
    expect(body).toMatchObject({ error: 'outcome_unknown', rideId: event.payload.rideId });
    expect(response.headers.get('location')).toBe(`/rides/${event.payload.rideId}`);
    expect(response.headers.get('retry-after')).toBe('5');
  });

  it('when an unexpected error happens, then it answers a bare 500 without details', async () => {
    publish.mockRejectedValue(new Error('secret internals at /srv/app.js:12'));

    const response = await post(JSON.stringify(validBody));

    const text = await response.text();
    expect(response.status).toBe(500);
    expect(text).not.toContain('secret internals');
  });

  it('when the ride id is not a UUID, then GET answers 400; when unknown, 404', async () => {
    const bad = await fetch(`${url}/rides/not-a-uuid`);
    const unknown = await fetch(`${url}/rides/7d2c1e57-54a3-4c2e-9b7c-0c5b2a7d8e11`);

    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ fields: [{ field: 'rideId' }] });
    expect(unknown.status).toBe(404);
  });

  describe('while the read model is still catching up', () => {
    let catchingUp: RidesTestServer;

    beforeEach(async () => {
      catchingUp = await startRidesTestServer(publish, 1024, () => false);
    });

    afterEach(() => catchingUp.close());

    it('when a ride it has not read yet is asked for, then GET answers 503 with Retry-After, not 404', async () => {
      const response = await fetch(`${catchingUp.url}/rides/7d2c1e57-54a3-4c2e-9b7c-0c5b2a7d8e11`);

      expect(response.status).toBe(503);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await response.json()).toMatchObject({ error: 'catching_up' });
    });

    it('when a ride is posted with an Idempotency-Key, then it answers 503 and publishes nothing', async () => {
      const response = await fetch(`${catchingUp.url}/rides`, {
        method: 'POST',
        body: JSON.stringify(validBody),
        headers: { 'content-type': 'application/json', 'idempotency-key': 'retry-1' },
      });

      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).not.toBeNull();
      expect(await response.json()).toMatchObject({ error: 'catching_up' });
      expect(publish).not.toHaveBeenCalled();
    });

    it('when a ride it already holds is asked for, then GET answers it', async () => {
      const created = await json(
        await fetch(`${catchingUp.url}/rides`, {
          method: 'POST',
          body: JSON.stringify(validBody),
          headers: { 'content-type': 'application/json' },
        }),
      );

      const response = await fetch(`${catchingUp.url}/rides/${created.rideId}`);

      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ rideId: created.rideId, status: 'requested' });
    });
  });

  describe('Idempotency-Key', () => {
    const withKey = (key: string, body: unknown = validBody) =>
      post(JSON.stringify(body), { 'content-type': 'application/json', 'idempotency-key': key });

    it('when a request is retried with the same key, then the same ride comes back and is published once', async () => {
      const first = await withKey('retry-1');
      const second = await withKey('retry-1');

      const [a, b] = [await json(first), await json(second)];
      expect([first.status, second.status]).toEqual([202, 202]);
      expect(b.rideId).toBe(a.rideId);
      expect(second.headers.get('idempotent-replayed')).toBe('true');
      expect(publish).toHaveBeenCalledTimes(1);
    });

    it('when retries with the same key arrive at once, then they share one publish', async () => {
      const answers = await Promise.all([withKey('burst'), withKey('burst'), withKey('burst')]);

      const ids = await Promise.all(answers.map(async (answer) => (await json(answer)).rideId));
      expect(new Set(ids).size).toBe(1);
      expect(publish).toHaveBeenCalledTimes(1);
    });

    it('when the same key comes with a different ride, then it answers 422 and publishes nothing more', async () => {
      await withKey('reused');

      const conflict = await withKey('reused', { ...validBody, passengers: 4 });

      expect(conflict.status).toBe(422);
      expect(await json(conflict)).toMatchObject({
        error: 'idempotency_key_reused',
        fields: [{ field: 'Idempotency-Key' }],
      });
      expect(publish).toHaveBeenCalledTimes(1);
    });

    it('when two customers use the same key, then they get different rides', async () => {
      const a = await json(await withKey('shared'));
      const b = await json(await withKey('shared', { ...validBody, customerId: 'cust-43' }));

      expect(a.rideId).not.toBe(b.rideId);
    });

    it('when the key is malformed, then it answers 400 naming the header', async () => {
      const response = await withKey('has spaces and $ymbols');

      expect(response.status).toBe(400);
      expect(await json(response)).toMatchObject({ fields: [{ field: 'Idempotency-Key' }] });
      expect(publish).not.toHaveBeenCalled();
    });

    /** A publish whose outcome is unknown, and a way to settle it as the broker would later. */
    const unknownOutcome = () => {
      let settle: (acknowledged: boolean) => void = () => undefined;
      const settled = new Promise<boolean>((resolve) => (settle = resolve));
      publish.mockRejectedValueOnce(new PublishOutcomeUnknownError('no ack', settled));
      return settle;
    };

    it('when the outcome is unknown and a retry comes before Kafka settles it, then the retry is unknown too and nothing is published again', async () => {
      unknownOutcome();

      const first = await withKey('unknown-1');
      const retried = await withKey('unknown-1');

      const [a, b] = [await json(first), await json(retried)];
      expect([first.status, retried.status]).toEqual([503, 503]);
      expect([a.error, b.error]).toEqual(['outcome_unknown', 'outcome_unknown']);
      expect(b.rideId).toBe(a.rideId);
      expect(publish).toHaveBeenCalledTimes(1);
    });

    it('when the outcome was unknown and Kafka then acknowledged, then a retry with the key returns that ride, published once', async () => {
      const settle = unknownOutcome();
      const first = await json(await withKey('unknown-2'));

      settle(true);
      const retried = await withKey('unknown-2');

      expect(retried.status).toBe(202);
      expect(retried.headers.get('idempotent-replayed')).toBe('true');
      expect((await json(retried)).rideId).toBe(first.rideId);
      expect(publish).toHaveBeenCalledTimes(1);
    });

    it('when the outcome was unknown and the producer gave up, then a retry with the key publishes the same ride again', async () => {
      const settle = unknownOutcome();
      const first = await json(await withKey('unknown-3'));

      settle(false);
      const retried = await withKey('unknown-3');

      expect(retried.status).toBe(202);
      expect((await json(retried)).rideId).toBe(first.rideId);
      expect(publish).toHaveBeenCalledTimes(2);
      expect(publish.mock.calls[1][0][0].payload.rideId).toBe(first.rideId);
    });

    it('when the first publish failed, then a retry with the same key publishes again', async () => {
      publish.mockRejectedValueOnce(new KafkaRuntimeError('no ack', 'publish_timeout', true));

      const failed = await withKey('after-503');
      const retried = await withKey('after-503');

      expect([failed.status, retried.status]).toEqual([503, 202]);
      expect(publish).toHaveBeenCalledTimes(2);
    });
  });
});
