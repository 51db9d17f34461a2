import { topics, validate } from '@taxi/events';
import { createFleet } from '../domain/fleet';
import { driversOfPartition, evolveShard, initialShard } from '../domain/shard';
import { fromSnapshot, toSnapshot } from './fleet-shards';

const fleet = createFleet({
  size: 12,
  seed: 1,
  center: { lat: 40.7, lng: -73.9 },
  radiusKm: 5,
});
const source = { topic: 'ride_details', partition: 2 };
const shard = driversOfPartition(fleet, 2, 6);
const dropoff = { lat: 40.8, lng: -73.95 };

describe('fleet snapshots', () => {
  it('when a shard with a busy driver is written and read back, then it is the same state, and the snapshot fits the contract', () => {
    const state = evolveShard(initialShard(shard), {
      rideId: 'ride-1',
      assigned: {
        driverId: shard[0]?.id ?? '',
        busyUntil: Date.parse('2026-11-22T05:00:00Z'),
        position: dropoff,
      },
    });

    const snapshot = toSnapshot(source, '42', state);
    const event = {
      eventId: crypto.randomUUID(),
      type: 'fleet.partition_state',
      schemaVersion: 1,
      occurredAt: new Date().toISOString(),
      correlationId: 'fleet',
      payload: snapshot,
    };

    expect(validate(topics.fleetState.schema, event)).toMatchObject({ ok: true });
    expect(fromSnapshot(shard, snapshot)).toEqual(state);
  });

  it('when a snapshot names drivers no longer in the shard and misses some, then those are ignored and the missing start free at home', () => {
    const other = driversOfPartition(fleet, 3, 6)[0];
    const snapshot = {
      ...toSnapshot(source, '7', initialShard(shard.slice(1))),
      drivers: [{ id: other?.id ?? '', position: dropoff, busyUntil: '2099-01-01T00:00:00.000Z' }],
    };

    const state = fromSnapshot(shard, snapshot);

    expect([...state.drivers.keys()]).toEqual(shard.map((driver) => driver.id));
    expect(state.drivers.get(shard[0]?.id ?? '')).toEqual({
      busyUntil: 0,
      position: shard[0]?.position,
    });
  });
});
