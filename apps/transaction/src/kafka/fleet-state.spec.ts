import { decode, encode, exampleFleetState, topics, validate } from '@taxi/events';
import { createFleet } from '../domain/fleet';
import { driversOfPartition, evolveShard, initialShard, wasDecided } from '../domain/shard';
import { fleetState, fromSnapshot, shardDrivers, toSnapshot } from './fleet-state';

const fleet = createFleet({
  size: 12,
  seed: 1,
  center: { lat: 40.7, lng: -73.9 },
  radiusKm: 5,
});
const source = { topic: 'ride_details', partition: 2 };
const shard = driversOfPartition(fleet, 2, 6);
const byId = new Map(shard.map((driver) => [driver.id, driver]));
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

    const event = fleetState(topics, shardDrivers(fleet, topics)).toSnapshot(state, source, '42');

    expect(validate(topics.fleetState.schema, event)).toMatchObject({ ok: true });
    expect(event.payload).toEqual(toSnapshot(source, '42', state, byId));
    expect(fromSnapshot(shard, event.payload)).toEqual(state);
  });

  it('when a shard is written, then each driver carries its vehicle class from the fleet, also after a restore from a snapshot of fleet_state 1.0, which had none', () => {
    const older = toSnapshot(source, '7', initialShard(shard), byId);
    const withoutClasses = {
      ...older,
      drivers: older.drivers.map(({ vehicleClass: _none, ...driver }) => driver),
    };

    const written = toSnapshot(source, '8', fromSnapshot(shard, withoutClasses), byId);

    expect(written.drivers.map((driver) => driver.vehicleClass)).toEqual(
      shard.map((driver) => driver.vehicleClass),
    );
    expect(new Set(fleet.map((driver) => driver.vehicleClass)).size).toBeGreaterThan(1);
  });

  it('when a snapshot names drivers no longer in the shard and misses some, then those are ignored and the missing start free at home', () => {
    const other = driversOfPartition(fleet, 3, 6)[0];
    const snapshot = {
      ...toSnapshot(source, '7', initialShard(shard.slice(1)), byId),
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
    const snapshot = toSnapshot(source, '42', initialShard(shard), byId);
    const [first, ...rest] = snapshot.drivers;
    const event = {
      ...exampleFleetState(),
      payload: {
        ...snapshot,
        shardVersion: 7,
        source: { ...source, region: 'nyc' },
        drivers: [
          { ...first, licenceClass: 'B', position: { ...first?.position, heading: 90 } },
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

    const written = published(toSnapshot(source, '43', state, byId));

    expect(written).toMatchObject({ shardVersion: 7, source: { ...source, region: 'nyc' } });
    const drivers = written['drivers'] as { id: string }[];
    expect(drivers.find((driver) => driver.id === firstId)).toMatchObject({
      licenceClass: 'B',
      position: { heading: 90 },
    });
    // The driver given a ride moved: its new position is the drop-off, which came without one.
    expect(drivers.find((driver) => driver.id === secondId)).toEqual({
      id: secondId,
      position: dropoff,
      busyUntil: '2026-11-22T05:00:00.000Z',
      vehicleClass: byId.get(secondId)?.vehicleClass,
    });
  });
});

describe('the fleet shard in a transaction', () => {
  const state = fleetState(topics, shardDrivers(fleet, topics));
  const driverId = shard[0]?.id ?? '';
  const assign = (rideId: string) => ({
    rideId,
    assigned: { driverId, busyUntil: 1_000, position: dropoff },
  });

  it('when a transaction decides rides on its copy, then the committed shard is untouched (an abort drops only the copy)', () => {
    const committed = state.initial(source);

    const working = state.evolve(state.copy(committed), assign('ride-3'));

    expect(wasDecided(committed, 'ride-3')).toBe(false);
    expect(committed.drivers.get(driverId)?.busyUntil).toBe(0);
    expect(wasDecided(working, 'ride-3')).toBe(true);
    expect(working.drivers.get(driverId)?.busyUntil).toBe(1_000);
  });

  it('when rides are decided on one copy, then the copy changes in place: one copy per transaction, not per ride', () => {
    const working = state.copy(state.initial(source));

    const afterOne = state.evolve(working, assign('ride-1'));
    const afterTwo = state.evolve(afterOne, assign('ride-2'));

    expect(afterOne).toBe(working);
    expect(afterTwo).toBe(working);
    expect([wasDecided(working, 'ride-1'), wasDecided(working, 'ride-2')]).toEqual([true, true]);
  });
});
