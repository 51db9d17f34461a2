import { z } from 'zod';
import { decode, encode } from './codec';
import { envelope } from './envelope';
import { exampleRideRequested } from './fixtures';
import { rideRequestSchema, type RideRequestedEvent } from './rides';
import { otherMajor, topics, type TopicContract } from './topics';
import { unknownFieldsOf } from './unknown-fields';

// A breaking change made the way ADR 040 says: schemaVersion 2 of ride.requested renames
// `passengers` to `seats` (a rename breaks every reader of 1). A reader of 2 reads 1 as well,
// converting it to the event it works with (upcast); 3 it cannot read.
const v2Request = rideRequestSchema.omit({ passengers: true }).extend({ seats: z.int().min(1) });
const v2Schema = envelope('ride.requested', v2Request, 2);
type V2Event = z.infer<typeof v2Schema>;

const upcast = ({
  payload: { passengers, ...payload },
  ...event
}: RideRequestedEvent): V2Event => ({
  ...event,
  schemaVersion: 2,
  payload: { ...payload, seats: passengers },
});

const readerOf2: TopicContract<typeof v2Schema> = {
  ...topics.rideRequested,
  schema: v2Schema,
  keyOf: (event) => event.payload.rideId,
  otherMajors: { 1: otherMajor(topics.rideRequested.schema, upcast) },
};
const text = (value: unknown) => JSON.stringify(value);

describe('another major schemaVersion (ADR 040)', () => {
  it('when a reader of 2 gets a message of 1, then it reads it as 2 (upcast)', () => {
    const v1 = exampleRideRequested({ passengers: 3 });

    const result = decode(readerOf2, text(v1));

    expect(result).toEqual({ ok: true, value: upcast(v1) });
    expect(result.ok && result.value.payload.seats).toBe(3);
  });

  it('when a reader of 2 gets a message of 2, then it reads it as it is, and writes 2', () => {
    const v2 = upcast(exampleRideRequested());

    const result = decode(readerOf2, text(v2));

    expect(result).toEqual({ ok: true, value: v2 });
    expect(encode(readerOf2, v2)).toMatchObject({ ok: true });
  });

  it('when a message of 1 has fields 1 did not know, then the upcast event keeps them', () => {
    const v1 = exampleRideRequested();

    const result = decode(readerOf2, text({ ...v1, payload: { ...v1.payload, tip: 5 } }));

    expect(result.ok && unknownFieldsOf(result.value.payload)).toEqual({ tip: 5 });
  });

  it('when a message of 1 is invalid as 1, then the reader of 2 names the field of 1', () => {
    const v1 = exampleRideRequested({ passengers: 0 });

    expect(decode(readerOf2, text(v1))).toMatchObject({
      ok: false,
      error: { kind: 'invalid', issues: [{ field: 'payload.passengers' }] },
    });
  });

  it.each([
    ['a reader of 2 gets 3', readerOf2, 3],
    ['a reader of 1 gets 2 (no reader of the next major)', topics.rideRequested, 2],
  ] as [string, TopicContract, number][])(
    'when %s, then decode says the version is not supported',
    (_, contract, version) => {
      const message = { ...upcast(exampleRideRequested()), schemaVersion: version };

      expect(decode(contract, text(message))).toMatchObject({
        ok: false,
        error: { kind: 'unsupported_version', issues: [{ field: 'schemaVersion' }] },
      });
    },
  );
});
