import { decode, encode, MAX_MESSAGE_BYTES } from './codec';
import {
  exampleFleetState,
  exampleRideConfirmed,
  exampleRideRejected,
  exampleRideRequested,
} from './fixtures';
import { topics } from './topics';
import { withUnknownFields } from './unknown-fields';

const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('encode/decode', () => {
  it.each([
    ['ride.requested', topics.rideRequested, exampleRideRequested()],
    ['ride.confirmed', topics.rideConfirmed, exampleRideConfirmed()],
    ['ride.rejected', topics.rideRejected, exampleRideRejected()],
  ] as const)(
    'when a valid %s event is encoded and decoded, then it comes back equal',
    (_, contract, event) => {
      const encoded = encode(contract, event as never);
      if (!encoded.ok) throw new Error(encoded.error.reason);

      const decoded = decode(contract, encoded.value.value);

      expect(decoded).toEqual({ ok: true, value: event });
      expect(encoded.value.key).toBe(event.payload.rideId);
      expect(encoded.value.headers).toMatchObject({
        'event-type': event.type,
        'event-id': event.eventId,
        'correlation-id': event.correlationId,
      });
    },
  );

  it('when the JSON is truncated, then decode says it is malformed JSON', () => {
    const whole = bytes(exampleRideRequested()).toString();

    const result = decode(topics.rideRequested, whole.slice(0, whole.length / 2));

    expect(result).toMatchObject({ ok: false, error: { kind: 'malformed_json' } });
  });

  it.each([null, undefined, Buffer.alloc(0)])(
    'when the value is %p, then decode says it is empty',
    (value) => {
      expect(decode(topics.rideRequested, value)).toMatchObject({
        ok: false,
        error: { kind: 'empty' },
      });
    },
  );

  it('when a field has the wrong type, then decode names that field', () => {
    const event = exampleRideRequested();
    const wrong = { ...event, payload: { ...event.payload, pickup: { lat: 'north', lng: 1 } } };

    const result = decode(topics.rideRequested, bytes(wrong));

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.kind).toBe('invalid');
    expect(result.error.issues.map((issue) => issue.field)).toEqual(['payload.pickup.lat']);
    expect(result.error.reason).toContain('payload.pickup.lat');
  });

  it('when fields are missing, then decode names every one of them', () => {
    const { customerEmail: _email, rideId: _id, ...payload } = exampleRideRequested().payload;

    const result = decode(topics.rideRequested, bytes({ ...exampleRideRequested(), payload }));

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.issues.map((issue) => issue.field).sort()).toEqual([
      'payload.customerEmail',
      'payload.rideId',
    ]);
  });

  it('when an unknown field is present, then decode reads the event and keeps the field aside (ADR 040)', () => {
    const event = exampleRideRequested();

    const result = decode(
      topics.rideRequested,
      bytes({ ...event, payload: { ...event.payload, tip: 5 } }),
    );

    expect(result).toEqual({
      ok: true,
      value: { ...event, payload: withUnknownFields({ ...event.payload }, { tip: 5 }) },
    });
  });

  it('when a writer sets a field its schema does not know, then encode refuses it, naming the field', () => {
    const event = exampleRideRequested();

    const result = encode(topics.rideRequested, {
      ...event,
      payload: { ...event.payload, tip: 5 } as typeof event.payload,
    });

    expect(result).toMatchObject({
      ok: false,
      error: {
        kind: 'invalid',
        issues: [{ field: 'payload', message: 'Unrecognized key: "tip"' }],
      },
    });
  });

  it('when the schema version is unknown, then decode says which version', () => {
    const result = decode(
      topics.rideRequested,
      bytes({ ...exampleRideRequested(), schemaVersion: 2 }),
    );

    expect(result).toMatchObject({
      ok: false,
      error: { kind: 'unsupported_version', issues: [{ field: 'schemaVersion' }] },
    });
  });

  it('when the message is larger than the limit, then decode refuses it without parsing', () => {
    const huge = bytes({ ...exampleRideRequested(), correlationId: 'x'.repeat(MAX_MESSAGE_BYTES) });

    expect(decode(topics.rideRequested, huge)).toMatchObject({
      ok: false,
      error: { kind: 'too_large' },
    });
  });

  it('when a contract sets a larger limit (a state snapshot), then decode reads a message above 64 KiB up to it, and encode writes none above it', () => {
    const limit = 100 * 1024;
    const contract: typeof topics.fleetState = { ...topics.fleetState, maxMessageBytes: limit };
    const snapshot = (drivers: number) =>
      exampleFleetState({
        drivers: Array.from({ length: drivers }, (_, n) => ({
          id: `drv-${String(n).padStart(5, '0')}`,
          position: { lat: 40.84171596413766, lng: -73.91025567362836 },
          vehicleClass: 'standard' as const,
        })),
      });

    const fits = encode(contract, snapshot(700));
    if (!fits.ok) throw new Error(fits.error.reason);

    expect(fits.value.value.byteLength).toBeGreaterThan(MAX_MESSAGE_BYTES);
    expect(decode(contract, fits.value.value)).toMatchObject({ ok: true });
    expect(decode(topics.rideRequested, fits.value.value)).toMatchObject({
      ok: false,
      error: { kind: 'too_large' },
    });
    expect(encode(contract, snapshot(1_200))).toMatchObject({
      ok: false,
      error: { kind: 'too_large', reason: expect.stringContaining('fleet_state') },
    });
  });

  it('when a string field is huge but the message fits, then decode names the field', () => {
    const result = decode(
      topics.rideRequested,
      bytes(exampleRideRequested({ customerId: 'c'.repeat(10_000) })),
    );

    expect(result).toMatchObject({
      ok: false,
      error: { issues: [{ field: 'payload.customerId' }] },
    });
  });

  it('when an event of another type arrives on a topic, then decode rejects the type', () => {
    const result = decode(topics.rideRequested, bytes(exampleRideConfirmed()));

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.issues.map((issue) => issue.field)).toContain('type');
  });

  it.each(['42', '"ride"', '[]', 'true'])(
    'when the JSON is the bare value %s, then decode rejects it',
    (json) => {
      expect(decode(topics.rideRequested, json)).toMatchObject({
        ok: false,
        error: { kind: 'invalid' },
      });
    },
  );

  it('when encoding an invalid event, then encode returns the error instead of publishing garbage', () => {
    const result = encode(topics.rideRequested, exampleRideRequested({ passengers: 0 }));

    expect(result).toMatchObject({
      ok: false,
      error: { issues: [{ field: 'payload.passengers' }] },
    });
  });

  it('when a label contains control characters, then it is rejected', () => {
    const event = exampleRideConfirmed({ driver: { id: 'drv-1', name: 'Evil\u0007Bell' } });

    expect(encode(topics.rideConfirmed, event)).toMatchObject({
      ok: false,
      error: { issues: [{ field: 'payload.driver.name' }] },
    });
  });
});
