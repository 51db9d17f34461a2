import {
  decode,
  encode,
  exampleFleetState,
  MAX_MESSAGE_BYTES,
  topics,
  validate,
} from '@taxi/events';
import {
  DECIDED_RIDES_KEPT,
  evolveDispatch,
  type DispatchChange,
} from '../domain/dispatch/dispatch';
import { genesisState } from '../domain/dispatch/ownership';
import { createFleet } from '../domain/fleet';
import pino from 'pino';
import { fleetState, fromSnapshot, toSnapshot, type FleetPartition } from './fleet-state';

const fleet = createFleet({
  size: 12,
  seed: 1,
  center: { lat: 40.7, lng: -73.9 },
  radiusKm: 5,
});
const byId = new Map(fleet.map((driver) => [driver.id, driver]));
const source = { topic: 'ride_details', partition: 2 };
const genesis = genesisState(fleet, 2);
const [firstId = '', secondId = ''] = [...genesis.drivers.keys()];
const dropoff = { lat: 40.8, lng: -73.95 };
const inputs = { ride_details: '42', dispatch: '7' };

const busy = (): FleetPartition =>
  evolveDispatch(
    evolveDispatch(genesis, {
      ride: { rideId: 'ride-1', handling: 'decided' },
      assigned: {
        driverId: firstId,
        busyUntil: Date.parse('2026-11-22T05:00:00Z'),
        position: dropoff,
      },
      claimed: { driverId: 'drv-0001', untilMs: Date.parse('2026-11-22T04:00:01Z') },
    }),
    { ride: { rideId: 'ride-2', handling: 'forwarded', hops: 2 } },
  );

/** A snapshot as fleet_state 1 (ADR 008's shard) wrote it, read by today's code. */
const v1Snapshot = (partition: number, drivers: { id: string; busyUntil?: string }[]) => {
  const decoded = decode(
    topics.fleetState,
    JSON.stringify({
      ...exampleFleetState(),
      schemaVersion: 1,
      payload: {
        source: { topic: 'ride_details', partition },
        nextOffset: '9',
        drivers: drivers.map((driver) => ({ position: dropoff, ...driver })),
        decidedRides: ['ride-0'],
      },
    }),
  );
  if (!decoded.ok) throw new Error(decoded.error.reason);
  return decoded.value.payload;
};

describe('fleet snapshots (fleet_state 2)', () => {
  it('when a partition with a busy driver, a ride decided, one passed on and a claim is written and read back, then it is the same state, and the snapshot fits the contract with both inputs’ positions', () => {
    const state = busy();

    const event = fleetState(topics, fleet).toSnapshot(state, source, '42', inputs);

    expect(validate(topics.fleetState.schema, event)).toMatchObject({ ok: true });
    expect(event.schemaVersion).toBe(2);
    expect(event.payload).toMatchObject({ nextOffset: '42', inputOffsets: inputs });
    expect(fromSnapshot(fleet, byId, 2, event.payload)).toEqual(state);
  });

  it('when a partition is written, then each driver it owns carries its vehicle class from the fleet', () => {
    const written = toSnapshot(source, '8', inputs, genesis, byId);

    expect(written.drivers.map((driver) => driver.vehicleClass)).toEqual(
      [...genesis.drivers.keys()].map((id) => byId.get(id)?.vehicleClass),
    );
  });

  it('when a snapshot of 2 lists drivers, then the partition owns exactly those, whatever the genesis deal says, and drivers not in this fleet are dropped', () => {
    const snapshot = {
      ...toSnapshot(source, '7', inputs, genesis, byId),
      drivers: [
        { id: 'drv-0001', position: dropoff },
        { id: 'drv-9999', position: dropoff },
      ],
    };

    const state = fromSnapshot(fleet, byId, 2, snapshot);

    expect([...state.drivers.keys()]).toEqual(['drv-0001']);
  });

  it('when a snapshot of fleet_state 1 is restored, then the partition owns exactly its genesis drivers, at the states it listed for them, and none of the others it listed', () => {
    const otherPartitions = [...genesisState(fleet, 3).drivers.keys()];
    const snapshot = v1Snapshot(2, [
      { id: firstId, busyUntil: '2099-01-01T00:00:00.000Z' },
      { id: otherPartitions[0] ?? '' },
    ]);

    const state = fromSnapshot(fleet, byId, 2, snapshot);

    expect([...state.drivers.keys()].sort()).toEqual([...genesis.drivers.keys()].sort());
    expect(state.drivers.get(firstId)).toEqual({
      position: dropoff,
      busyUntil: Date.parse('2099-01-01T00:00:00.000Z'),
    });
    expect(state.drivers.get(secondId)).toEqual(genesis.drivers.get(secondId));
    expect(state.rides).toEqual(new Map([['ride-0', 'decided']]));
  });

  it('when a snapshot of fleet_state 1 of partition 6 or above is restored (written after an alter), then the partition owns no driver', () => {
    const state = fromSnapshot(fleet, byId, 7, v1Snapshot(7, [{ id: firstId }]));

    expect(state.drivers.size).toBe(0);
  });
});

describe('fleet snapshots of a newer version, restored after a rollback (ADR 040)', () => {
  it('when the restored partition decides a ride and is written again, then the snapshot keeps the fields of the payload, its source and each driver it kept', () => {
    const snapshot = toSnapshot(source, '42', inputs, genesis, byId);
    const [first, ...rest] = snapshot.drivers;
    const decoded = decode(
      topics.fleetState,
      JSON.stringify({
        ...exampleFleetState(),
        payload: {
          ...snapshot,
          shardVersion: 7,
          source: { ...source, region: 'nyc' },
          drivers: [{ ...first, licenceClass: 'B' }, ...rest],
        },
      }),
    );
    if (!decoded.ok) throw new Error(decoded.error.reason);
    const inTransaction = fleetState(topics, fleet);
    const restored = inTransaction.fromSnapshot(decoded.value, source);
    const state = inTransaction.evolve(inTransaction.copy(restored), {
      ride: { rideId: 'ride-9', handling: 'decided' },
      assigned: { driverId: secondId, busyUntil: 1_000, position: dropoff },
    });

    const encoded = encode(topics.fleetState, {
      ...exampleFleetState(),
      payload: toSnapshot(source, '43', inputs, state, byId),
    });

    if (!encoded.ok) throw new Error(encoded.error.reason);
    const written = (
      JSON.parse(encoded.value.value.toString()) as { payload: Record<string, unknown> }
    ).payload;
    expect(written).toMatchObject({ shardVersion: 7, source: { ...source, region: 'nyc' } });
    const drivers = written['drivers'] as { id: string }[];
    expect(drivers.find((driver) => driver.id === firstId)).toMatchObject({ licenceClass: 'B' });
  });
});

describe('the fleet partition in a transaction', () => {
  const state = fleetState(topics, fleet);
  const assign = (rideId: string): DispatchChange => ({
    ride: { rideId, handling: 'decided' },
    assigned: { driverId: firstId, busyUntil: 1_000, position: dropoff },
  });

  it('when a partition has no snapshot, then it is its genesis deal: below 6 its dealt drivers, from 6 none', () => {
    expect(state.initial(source)).toEqual(genesis);
    expect(state.initial({ ...source, partition: 6 }).drivers.size).toBe(0);
  });

  it('when a transaction decides rides on its copy, then the committed state is untouched (an abort drops only the copy)', () => {
    const committed = state.initial(source);

    const working = state.evolve(state.copy(committed), assign('ride-3'));

    expect(committed.rides.has('ride-3')).toBe(false);
    expect(committed.drivers.get(firstId)?.busyUntil).toBe(0);
    expect(working.rides.get('ride-3')).toBe('decided');
    expect(working.drivers.get(firstId)?.busyUntil).toBe(1_000);
  });

  it('when rides are decided on one copy, then the copy changes in place: one copy per transaction, not per ride', () => {
    const working = state.copy(state.initial(source));

    const afterOne = state.evolve(working, assign('ride-1'));
    const afterTwo = state.evolve(afterOne, assign('ride-2'));

    expect(afterOne).toBe(working);
    expect(afterTwo).toBe(working);
    expect([...working.rides.keys()]).toEqual(['ride-1', 'ride-2']);
  });
});

describe('the size of a fleet snapshot', () => {
  // The k8s day-two suite's fleet: 2,400 drivers, 400 dealt to each of six partitions. Once a
  // partition had decided its 256 rides, its snapshot was some 67 KB: it was written and
  // committed, and every restore then refused it (above 64 KiB, the default limit), so
  // transaction crashed on each start, in CrashLoopBackOff (the drain test's 2 rides lost).
  const large = createFleet({
    size: 2_400,
    seed: 42,
    center: { lat: 40.7306, lng: -73.9352 },
    radiusKm: 15,
  });
  const partition = 1;

  const busiest = (): FleetPartition => {
    let state: FleetPartition = genesisState(large, partition);
    const owned = [...state.drivers.keys()];
    for (let n = 0; n < DECIDED_RIDES_KEPT; n += 1) {
      const rideId = `d4251a50-9954-5467-a40f-${String(n).padStart(12, '0')}`;
      state = evolveDispatch(
        state,
        n % 4 === 0
          ? {
              ride: { rideId, handling: 'forwarded', hops: 1 },
              claimed: {
                driverId: `drv-${String(n).padStart(4, '0')}`,
                untilMs: 1_796_611_700_000,
              },
            }
          : {
              ride: { rideId, handling: 'decided' },
              assigned: {
                driverId: owned[n % owned.length] ?? '',
                busyUntil: 1_796_612_000_000 + n,
                position: { lat: 40.84171596413766 + n / 1e6, lng: -73.91025567362836 },
              },
            },
      );
    }
    return state;
  };

  it('when a partition owns 400 drivers and has decided and passed on its last 256 rides, then its snapshot, above 64 KiB, is written and read back whole', () => {
    const state = busiest();
    const event = fleetState(topics, large).toSnapshot(
      state,
      { topic: 'ride_details', partition },
      '66',
      { ride_details: '66', dispatch: '396' },
    );

    const written = encode(topics.fleetState, event);
    if (!written.ok) throw new Error(written.error.reason);
    const read = decode(topics.fleetState, written.value.value);

    expect(written.value.value.byteLength).toBeGreaterThan(MAX_MESSAGE_BYTES);
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    const restored = fromSnapshot(
      large,
      new Map(large.map((d) => [d.id, d])),
      partition,
      read.value.payload,
    );
    expect(restored.drivers.size).toBe(400);
    expect(restored.rides.size).toBe(DECIDED_RIDES_KEPT);
  });
});

describe('what a partition dealt, recorded in its snapshot (fleet_state 2.1)', () => {
  const bigger = createFleet({ size: 24, seed: 1, center: { lat: 40.7, lng: -73.9 }, radiusKm: 5 });
  const biggerById = new Map(bigger.map((driver) => [driver.id, driver]));
  /** Partition 2 after it shared its second genesis driver with partition 8 (a growth to 12). */
  const shared = evolveDispatch(genesis, { dealt: { partitions: 12, released: [secondId] } });

  it('when a partition that shared its drivers for 12 partitions is written and read back, then the snapshot records 12 and the fleet size, and the state is the same', () => {
    const event = fleetState(topics, fleet).toSnapshot(shared, source, '42', inputs);

    expect(validate(topics.fleetState.schema, event)).toMatchObject({ ok: true });
    expect(event.payload).toMatchObject({ dealtForPartitions: 12, dealtFleetSize: 12 });
    expect(fromSnapshot(fleet, byId, 2, event.payload)).toEqual(shared);
  });

  it('when FLEET_SIZE was raised from 12 to 24, then partition 2 adds the new genesis drivers dealt to it, once, and never one it handed over; partition 8 adds none', () => {
    const written = toSnapshot(source, '42', inputs, shared, byId);

    const raised = fromSnapshot(bigger, biggerById, 2, written);
    const again = fromSnapshot(
      bigger,
      biggerById,
      2,
      toSnapshot(source, '43', inputs, raised, biggerById),
    );
    const heir = fromSnapshot(bigger, biggerById, 8, {
      ...toSnapshot({ ...source, partition: 8 }, '1', inputs, genesisState(fleet, 8), byId),
      drivers: [{ id: secondId, position: dropoff }],
    });

    expect([...raised.drivers.keys()]).toEqual([firstId, 'drv-0015', 'drv-0021']);
    expect(raised.drivers.get('drv-0015')).toEqual({
      busyUntil: 0,
      position: biggerById.get('drv-0015')?.position,
    });
    expect(toSnapshot(source, '43', inputs, raised, biggerById).dealtFleetSize).toBe(24);
    expect([...again.drivers.keys()]).toEqual([...raised.drivers.keys()]);
    expect([...heir.drivers.keys()]).toEqual([secondId]);
  });

  it('when a snapshot of 2.0 (no fleet size: written before any hand-over) is restored with a larger fleet, then the partition adds every genesis driver of it that it does not list', () => {
    const { dealtFleetSize: _size, ...older } = toSnapshot(source, '42', inputs, genesis, byId);

    const state = fromSnapshot(bigger, biggerById, 2, older);

    expect([...state.drivers.keys()]).toEqual([firstId, secondId, 'drv-0015', 'drv-0021']);
  });

  it('when FLEET_SIZE was lowered, then the drivers beyond it are dropped with one warning, the larger size stays recorded, and raising it again does not bring them back to two owners', () => {
    const lines: { msg: string; dropped?: number }[] = [];
    const logger = pino(
      { level: 'warn' },
      { write: (line: string) => lines.push(JSON.parse(line)) },
    );
    const atTwentyFour = fleetState(topics, bigger).toSnapshot(
      genesisState(bigger, 2),
      source,
      '42',
      inputs,
    );

    const lowered = fleetState(topics, fleet, logger).fromSnapshot(atTwentyFour, source);
    const writtenLow = toSnapshot(source, '43', inputs, lowered, byId);
    const raisedAgain = fromSnapshot(bigger, biggerById, 2, writtenLow);

    expect([...lowered.drivers.keys()]).toEqual([firstId, secondId]);
    expect(lines).toEqual([expect.objectContaining({ dropped: 2 })]);
    expect(lines[0]?.msg).toContain('FLEET_SIZE is below what this partition dealt');
    expect(writtenLow.dealtFleetSize).toBe(24);
    expect([...raisedAgain.drivers.keys()]).toEqual([firstId, secondId]);
  });
});
