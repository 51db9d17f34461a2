import type { Kafka } from '@taxi/kafka';
import { decode, encode, exampleFleetState, topics, validate } from '@taxi/events';
import { testLogger } from '@taxi/testing';
import { createFleet } from '../domain/fleet';
import { driversOfPartition, evolveShard, initialShard, wasDecided } from '../domain/shard';
import { FleetShards, fromSnapshot, toSnapshot } from './fleet-shards';

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

describe('fleet snapshots of a newer version, restored after a rollback (ADR 040)', () => {
  const newerSnapshot = () => {
    const snapshot = toSnapshot(source, '42', initialShard(shard));
    const [first, ...rest] = snapshot.drivers;
    const event = {
      ...exampleFleetState(),
      payload: {
        ...snapshot,
        shardVersion: 7,
        source: { ...source, region: 'nyc' },
        drivers: [
          { ...first, vehicleClass: 'xl', position: { ...first?.position, heading: 90 } },
          ...rest,
        ],
      },
    };
    const decoded = decode(topics.fleetState, JSON.stringify(event));
    if (!decoded.ok) throw new Error(decoded.error.reason);
    return decoded.value.payload;
  };
  const published = (payload: ReturnType<typeof toSnapshot>) => {
    const encoded = encode(topics.fleetState, { ...exampleFleetState(), payload });
    if (!encoded.ok) throw new Error(encoded.error.reason);
    return (JSON.parse(encoded.value.value.toString()) as { payload: Record<string, unknown> })
      .payload;
  };

  it('when the restored shard decides rides in a transaction and is written again, then the snapshot keeps the fields of the payload, its source, each driver and each position it kept', () => {
    const restored = newerSnapshot();
    const firstId = shard[0]?.id ?? '';
    const secondId = shard[1]?.id ?? '';
    const state = evolveShard(fromSnapshot(shard, restored), {
      rideId: 'ride-9',
      assigned: {
        driverId: secondId,
        busyUntil: Date.parse('2026-11-22T05:00:00Z'),
        position: dropoff,
      },
    });

    const written = published(toSnapshot(source, '43', state));

    expect(written).toMatchObject({ shardVersion: 7, source: { ...source, region: 'nyc' } });
    const drivers = written['drivers'] as { id: string }[];
    expect(drivers.find((driver) => driver.id === firstId)).toMatchObject({
      vehicleClass: 'xl',
      position: { heading: 90 },
    });
    // The driver given a ride moved: its new position is the drop-off, which came without one.
    expect(drivers.find((driver) => driver.id === secondId)).toEqual({
      id: secondId,
      position: dropoff,
      busyUntil: '2026-11-22T05:00:00.000Z',
    });
  });
});

describe('FleetShards transactions', () => {
  // Only restore reads Kafka; these hooks run on memory alone.
  const shards = () => new FleetShards({ kafka: {} as Kafka, topics, fleet, logger: testLogger() });
  const driverId = shard[0]?.id ?? '';
  const assign = (rideId: string) => ({
    rideId,
    assigned: { driverId, busyUntil: 1_000, position: dropoff },
  });

  it('when a transaction aborts, then its decisions are dropped and the next one starts from the committed state', () => {
    const hooks = shards();
    hooks.begin('ride_details', 2);
    hooks.apply('ride_details', 2, assign('ride-1'));
    hooks.committed('ride_details', 2);

    hooks.begin('ride_details', 2);
    hooks.apply('ride_details', 2, assign('ride-2'));
    const during = wasDecided(hooks.current('ride_details', 2), 'ride-2');
    hooks.aborted('ride_details', 2);
    hooks.begin('ride_details', 2);
    const after = hooks.current('ride_details', 2);

    expect(during).toBe(true);
    expect(wasDecided(after, 'ride-1')).toBe(true);
    expect(wasDecided(after, 'ride-2')).toBe(false);
  });

  it('when a transaction decides rides, then the committed state is untouched until it commits', () => {
    const hooks = shards();
    hooks.begin('ride_details', 2);
    hooks.committed('ride_details', 2);
    hooks.begin('ride_details', 2);
    const committed = hooks.current('ride_details', 2);
    hooks.committed('ride_details', 2);

    hooks.begin('ride_details', 2);
    hooks.apply('ride_details', 2, assign('ride-3'));

    expect(wasDecided(committed, 'ride-3')).toBe(false);
    expect(committed.drivers.get(driverId)?.busyUntil).toBe(0);
    expect(hooks.current('ride_details', 2).drivers.get(driverId)?.busyUntil).toBe(1_000);
  });
});
