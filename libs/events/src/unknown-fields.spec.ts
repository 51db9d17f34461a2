import { decode, encode } from './codec';
import { contractExamples } from './examples';
import {
  asWrittenByANewerVersion,
  exampleFleetState,
  exampleRideConfirmed,
  exampleRideRequested,
} from './fixtures';
import { publishedJsonSchema } from './json-schema';
import { newEnvelope } from './new-event';
import type { RideConfirmedEvent, RideRejectedEvent } from './rides';
import { topics, type TopicKey } from './topics';
import { copyUnknownFields, unknownFieldsOf, withUnknownFields } from './unknown-fields';

type Driver = ReturnType<typeof exampleFleetState>['payload']['drivers'][number];
const text = (value: unknown) => JSON.stringify(value);
const decoded = <Value>(result: { ok: true; value: Value } | { ok: false; error: unknown }) => {
  if (!result.ok) throw new Error(`not decoded: ${JSON.stringify(result.error)}`);
  return result.value;
};
const written = (result: ReturnType<typeof encode>): unknown => {
  if (!result.ok) throw new Error(`not encoded: ${result.error.reason}`);
  return JSON.parse(result.value.value.toString());
};

interface JsonSchema {
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
}

/**
 * The JSON with one more field in every object its schema gives fields (not in maps, whose keys
 * are data), at every depth: what a newer writer might send.
 */
const withFieldEverywhere = (value: unknown, schema: JsonSchema, path = 'root'): unknown => {
  if (Array.isArray(value) && schema.items) {
    const items = schema.items;
    return value.map((item, i) => withFieldEverywhere(item, items, `${path}.${i}`));
  }
  if (typeof value !== 'object' || value === null) return value;
  const map = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : null;
  const entries = Object.entries(value).map(([key, inner]) => {
    const field = schema.properties?.[key] ?? map;
    return [key, field ? withFieldEverywhere(inner, field, `${path}.${key}`) : inner];
  });
  return { ...Object.fromEntries(entries), ...(map ? {} : { addedBy2027: { at: path } }) };
};
const schemaOf = (key: TopicKey) => publishedJsonSchema(topics[key]) as JsonSchema;

describe('reading what a newer writer wrote (ADR 040)', () => {
  it('when a ride.requested has a field more in the envelope, the payload and the pickup, then it is decoded, not refused (issue 25)', () => {
    const event = exampleRideRequested();

    const value = decoded(decode(topics.rideRequested, text(asWrittenByANewerVersion(event))));

    expect(JSON.parse(text(value))).toEqual(event);
    expect(unknownFieldsOf(value)).toEqual({ traceLevel: 'debug' });
    expect(unknownFieldsOf(value.payload)).toEqual({ seatPreference: 'front' });
    expect(unknownFieldsOf(value.payload.pickup)).toEqual({ floor: 2 });
  });

  it.each(Object.keys(contractExamples) as TopicKey[])(
    'when every object of a %s example has a field more, at every depth, then it decodes to the example, and re-encoding writes every field back where it was',
    (key) => {
      const contract = topics[key];
      for (const example of Object.values(contractExamples[key])) {
        const newer = withFieldEverywhere(example, schemaOf(key));

        const value = decoded(decode(contract, text(newer)));

        expect(JSON.parse(text(value))).toEqual(example);
        expect(written(encode(contract, value as never))).toEqual(newer);
      }
    },
  );

  it('when a known field is wrong beside an unknown one, then decode still refuses it, naming only the known field', () => {
    const event = exampleRideRequested();
    const wrong = {
      ...event,
      payload: { ...event.payload, passengers: 0, seatPreference: 'front' },
    };

    const result = decode(topics.rideRequested, text(wrong));

    expect(result).toMatchObject({ ok: false, error: { kind: 'invalid' } });
    if (result.ok) return;
    expect(result.error.issues.map((issue) => issue.field)).toEqual(['payload.passengers']);
  });

  it('when an unknown field is named __proto__, then it is kept as data, never as a prototype', () => {
    const raw = text(exampleRideRequested()).replace(
      '"payload":{',
      '"payload":{"__proto__":{"polluted":true},',
    );

    const value = decoded(decode(topics.rideRequested, raw));

    expect((value.payload as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    const out = encode(topics.rideRequested, value);
    expect(out.ok && out.value.value.toString()).toContain('"__proto__":{"polluted":true}');
  });
});

describe('keeping unknown fields where a message is passed on (ADR 040)', () => {
  const newerRequest = () =>
    decoded(decode(topics.rideRequested, text(asWrittenByANewerVersion(exampleRideRequested()))));

  it('when the request is copied whole into ride.confirmed, then the confirmation carries its unknown fields, at their depth, and not the envelope’s', () => {
    const request = newerRequest();
    const { paymentToken: _token, ...ride } = request.payload;
    const confirmation: RideConfirmedEvent = {
      ...newEnvelope('ride.confirmed', request.correlationId),
      payload: { ...exampleRideConfirmed().payload, ...ride },
    };

    const out = written(encode(topics.rideConfirmed, confirmation)) as Record<string, never>;

    expect(out).not.toHaveProperty('traceLevel');
    expect(out['payload']).toMatchObject({ seatPreference: 'front', pickup: { floor: 2 } });
  });

  it('when ride.rejected names the request fields it keeps, then it carries none of the unknown ones', () => {
    const request = newerRequest();
    const { rideId, customerId, customerEmail, requestedAt } = request.payload;
    const rejection: RideRejectedEvent = {
      ...newEnvelope('ride.rejected', request.correlationId),
      payload: {
        ...{ rideId, customerId, customerEmail, requestedAt },
        reason: 'no_driver_available',
        detail: 'no driver is free near the pickup point',
        rejectedAt: '2026-11-21T10:00:00.500Z',
      },
    };

    const out = written(encode(topics.rideRejected, rejection)) as { payload: object };

    expect(Object.keys(out.payload).sort()).toEqual(Object.keys(rejection.payload).sort());
  });

  it('when a carried field has the name of a field the writer knows, then what the writer set, or left out, is what is written', () => {
    const snapshot = exampleFleetState();
    const [busy, free] = snapshot.payload.drivers as [Driver, Driver];
    const carrying = {
      ...snapshot,
      payload: {
        ...snapshot.payload,
        drivers: [
          withUnknownFields({ ...busy }, { id: 'drv-666', tier: 'gold' }),
          withUnknownFields({ ...free }, { busyUntil: 'not a time', tier: 'silver' }),
        ],
      },
    };

    const out = written(encode(topics.fleetState, carrying)) as typeof snapshot;

    expect(out.payload.drivers).toEqual([
      { ...busy, tier: 'gold' },
      { ...free, tier: 'silver' },
    ]);
  });

  it('when a state is cloned with structuredClone, then copyUnknownFields gives the clone the unknown fields back', () => {
    const state = decoded(
      decode(
        topics.fleetState,
        text(withFieldEverywhere(exampleFleetState(), schemaOf('fleetState'))),
      ),
    );

    const clone = copyUnknownFields(state, structuredClone(state));

    expect(unknownFieldsOf(structuredClone(state))).toBeUndefined();
    expect(written(encode(topics.fleetState, clone))).toEqual(
      written(encode(topics.fleetState, state)),
    );
    expect(unknownFieldsOf(clone.payload.drivers[1]?.position)).toEqual({
      addedBy2027: { at: 'root.payload.drivers.1.position' },
    });
  });
});
