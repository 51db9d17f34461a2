import fc from 'fast-check';
import { decode, encode } from './codec';
import { exampleRideRequested } from './fixtures';
import { topics } from './topics';

describe('decode, for any input', () => {
  it('when given arbitrary bytes, then it returns a result and never throws', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
        const result = decode(topics.rideRequested, Buffer.from(bytes));
        return typeof result.ok === 'boolean';
      }),
      { numRuns: 2000 },
    );
  });

  it('when given arbitrary JSON, then it either validates or names why not', () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 4 }), (json) => {
        const result = decode(topics.rideRequested, json);
        return result.ok || result.error.reason.length > 0;
      }),
      { numRuns: 2000 },
    );
  });

  it('when a valid event has one field replaced by anything, then decode never throws and rejects a wrong type', () => {
    const event = exampleRideRequested();
    const fields = Object.keys(event.payload);
    fc.assert(
      fc.property(fc.constantFrom(...fields), fc.anything(), (field, value) => {
        const mutated = { ...event, payload: { ...event.payload, [field]: value } };
        let text: string;
        try {
          text = JSON.stringify(mutated);
        } catch {
          return true; // BigInt and the like cannot reach a topic as JSON anyway
        }
        const result = decode(topics.rideRequested, text);
        const reencoded = result.ok ? encode(topics.rideRequested, result.value) : undefined;
        return !result.ok || reencoded?.ok === true;
      }),
      { numRuns: 3000 },
    );
  });

  it('when valid ride requests are generated, then encode and decode round-trip them', () => {
    // JSON has no -0: it arrives as 0, which is the same place.
    const degrees = (max: number) =>
      fc.double({ min: -max, max, noNaN: true }).map((value) => (Object.is(value, -0) ? 0 : value));
    const coordinate = fc.record({ lat: degrees(90), lng: degrees(180) });
    fc.assert(
      fc.property(
        coordinate,
        coordinate,
        fc.integer({ min: 1, max: 8 }),
        (pickup, dropoff, passengers) => {
          const event = exampleRideRequested({ pickup, dropoff, passengers });
          const encoded = encode(topics.rideRequested, event);
          if (!encoded.ok) throw new Error(encoded.error.reason);
          expect(decode(topics.rideRequested, encoded.value.value)).toEqual({
            ok: true,
            value: event,
          });
        },
      ),
      { numRuns: 1000 },
    );
  });
});
