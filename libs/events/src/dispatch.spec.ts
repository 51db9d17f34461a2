import { decode, encode } from './codec';
import { exampleDriverHandOver, exampleFleetState, exampleRideForward } from './fixtures';
import { topics } from './topics';

const text = (value: unknown) => JSON.stringify(value);

describe('the dispatch topic (ADR 038)', () => {
  it.each([
    ['a forward', exampleRideForward()],
    ['a hand-over', exampleDriverHandOver()],
  ])('when %s is encoded and decoded, then it is the same event', (_, event) => {
    const encoded = encode(topics.dispatch, event);

    expect(encoded.ok && decode(topics.dispatch, encoded.value.value)).toEqual({
      ok: true,
      value: event,
    });
  });

  it('when a forward is encoded, then its key is the ride id, and a hand-over is keyed by driver', () => {
    const forward = encode(topics.dispatch, exampleRideForward());
    const handOver = encode(topics.dispatch, exampleDriverHandOver());

    expect(forward.ok && forward.value.key).toBe(exampleRideForward().payload.request.rideId);
    expect(handOver.ok && handOver.value.key).toBe('drv-007');
  });

  it('when a message has a type dispatch does not carry, then decode refuses it naming the type', () => {
    const message = { ...exampleDriverHandOver(), type: 'dispatch.recall' };

    expect(decode(topics.dispatch, text(message))).toMatchObject({
      ok: false,
      error: { kind: 'invalid', issues: [{ field: 'type' }] },
    });
  });

  it('when a forward lacks the driver it asks for, then decode names the field', () => {
    const { preferredDriverId: _none, ...payload } = exampleRideForward().payload;

    expect(decode(topics.dispatch, text({ ...exampleRideForward(), payload }))).toMatchObject({
      ok: false,
      error: { kind: 'invalid', issues: [{ field: 'payload.preferredDriverId' }] },
    });
  });
});

describe('fleet_state 2 and the snapshots of 1 (ADR 038, 040)', () => {
  const v1 = {
    ...exampleFleetState(),
    schemaVersion: 1,
    payload: {
      source: { topic: 'ride_details', partition: 0 },
      nextOffset: '1',
      drivers: [{ id: 'drv-007', position: { lat: 40.7306, lng: -73.9352 } }],
      decidedRides: ['0b6f2f7e-8a55-4d3c-b7a1-6a8e8f9a1c11'],
    },
  };

  it('when a snapshot of 1 is read, then it is a snapshot of 2 dealt at genesis, its rides decided and nothing claimed', () => {
    expect(decode(topics.fleetState, text(v1))).toMatchObject({
      ok: true,
      value: {
        schemaVersion: 2,
        payload: {
          drivers: v1.payload.drivers,
          rides: [{ rideId: '0b6f2f7e-8a55-4d3c-b7a1-6a8e8f9a1c11', handling: 'decided' }],
          claims: [],
          dealtAtGenesis: true,
        },
      },
    });
  });

  it('when a snapshot of 2 is read, then it is not dealt at genesis: it owns what it lists', () => {
    const decoded = decode(topics.fleetState, text(exampleFleetState()));

    expect(decoded.ok && decoded.value.payload.dealtAtGenesis).toBeUndefined();
  });

  it('when a snapshot of 3 is read, then decode says the version is not supported', () => {
    expect(
      decode(topics.fleetState, text({ ...exampleFleetState(), schemaVersion: 3 })),
    ).toMatchObject({
      ok: false,
      error: { kind: 'unsupported_version' },
    });
  });
});
