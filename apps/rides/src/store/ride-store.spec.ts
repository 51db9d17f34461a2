import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { exampleRideConfirmed, exampleRideRejected, exampleRideRequested } from '@taxi/events';
import { rideChangeOf } from '../domain/apply-ride-event';
import { rideIdForKey } from '../domain/idempotency';
import type { RideChange } from '../domain/ride-status';
import { pruneRides } from './prune';
import { machineBootTime, RideStore, STORE_FILE, StoreInUseError } from './ride-store';

/** Named by an idempotency key, so the store keeps what was asked for. */
const RIDE = rideIdForKey('cust-42', 'key-1');
const OTHER = '0b7f4f5e-4a3c-4a55-9a43-6f2b1f1f0c02';
const requestedAt = '2026-11-21T10:00:00.000Z';

const requested = (rideId: string, at = requestedAt) =>
  rideChangeOf(exampleRideRequested({ rideId, requestedAt: at })) as RideChange & {
    kind: 'requested';
  };
const confirmed = (rideId: string) =>
  rideChangeOf(exampleRideConfirmed({ rideId, requestedAt })) as RideChange & { kind: 'decided' };
const rejected = (rideId: string) =>
  rideChangeOf(exampleRideRejected({ rideId, requestedAt })) as RideChange & { kind: 'decided' };

const at = (topic: string, partition: number, nextOffset: number) => ({
  topic,
  partition,
  nextOffset: String(nextOffset),
});

describe('ride store', () => {
  let dir: string;
  let store: RideStore;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'ride-store-'));
    store = RideStore.open(dir);
  });

  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when a request is applied, then the ride is requested, with what was asked for', () => {
    store.applyBatch([requested(RIDE)], at('ride_details', 0, 1));

    expect(store.get(RIDE)).toEqual({
      rideId: RIDE,
      status: 'requested',
      requestedAt,
      fingerprint: requested(RIDE).fingerprint,
    });
    expect(store.status(RIDE)).toEqual({ rideId: RIDE, status: 'requested', requestedAt });
  });

  it('when a request with a random ride id is applied, then no fingerprint is kept for it', () => {
    store.applyBatch([requested(OTHER)], at('ride_details', 0, 1));

    expect(requested(RIDE).fingerprint).toEqual(expect.any(String));
    expect(store.get(OTHER)).toEqual({ rideId: OTHER, status: 'requested', requestedAt });
    expect(store.get(OTHER)).not.toHaveProperty('fingerprint');
  });

  it('when the outcome is applied after the request, then the outcome wins and the fingerprint stays', () => {
    store.applyBatch([requested(RIDE)], at('ride_details', 0, 1));
    store.applyBatch([confirmed(RIDE)], at('ride_confirmed', 0, 1));

    expect(store.get(RIDE)).toEqual({
      ...confirmed(RIDE).outcome,
      fingerprint: requested(RIDE).fingerprint,
    });
  });

  it('when the outcome arrives before the request, then the request does not undo it but fills in the fingerprint', () => {
    store.applyBatch([rejected(RIDE)], at('ride_rejected', 0, 1));
    store.applyBatch([requested(RIDE)], at('ride_details', 0, 1));

    expect(store.get(RIDE)).toEqual({
      ...rejected(RIDE).outcome,
      fingerprint: requested(RIDE).fingerprint,
    });
  });

  it('when the same batch is applied twice, then the ride is stored once, unchanged', () => {
    const batch = [requested(RIDE), confirmed(RIDE)];

    store.applyBatch(batch, at('ride_details', 0, 2));
    const once = store.get(RIDE);
    store.applyBatch(batch, at('ride_details', 0, 2));

    expect(store.get(RIDE)).toEqual(once);
  });

  it('when batches are applied, then each partition records its next offset', () => {
    store.applyBatch([requested(RIDE)], at('ride_details', 0, 5));
    store.applyBatch([], at('ride_details', 0, 9));
    store.applyBatch([requested(OTHER)], at('ride_details', 3, 2));

    expect(store.positions()).toEqual(
      expect.arrayContaining([at('ride_details', 0, 9), at('ride_details', 3, 2)]),
    );
    expect(store.positions()).toHaveLength(2);
  });

  it('when a batch fails midway, then neither its rides nor its offset are stored', () => {
    // A NOT NULL column given NULL: the whole batch is rolled back.
    const broken = { ...requested(OTHER), requestedAt: null as unknown as string };

    expect(() => store.applyBatch([requested(RIDE), broken], at('ride_details', 0, 7))).toThrow();

    expect(store.get(RIDE)).toBeUndefined();
    expect(store.positions()).toEqual([]);
  });

  it('when the store is closed and opened again, then rides and offsets are still there', () => {
    store.applyBatch([requested(RIDE)], at('ride_details', 1, 42));
    store.close();

    store = RideStore.open(dir);

    expect(store.get(RIDE)?.status).toBe('requested');
    expect(store.positions()).toEqual([at('ride_details', 1, 42)]);
  });

  it('when the store is opened again while open (as by a second process), then it is refused, naming the file', () => {
    expect(() => RideStore.open(dir)).toThrow(StoreInUseError);
    expect(() => RideStore.open(dir)).toThrow(dir);
  });

  it('when the file is not a database, then it is discarded and the store starts empty, saying why', () => {
    store.close();
    writeFileSync(path.join(dir, STORE_FILE), 'not a database, just bytes '.repeat(200));
    const discarded = jest.fn();

    store = RideStore.open(dir, discarded);

    expect(discarded).toHaveBeenCalledWith(expect.stringMatching(/not a database|malformed/));
    expect(store.positions()).toEqual([]);
  });

  it('when the machine restarted since the store was last open, then it is discarded and rebuilt, saying why', () => {
    store.applyBatch([requested(RIDE)], at('ride_details', 0, 7));
    store.close();
    const discarded = jest.fn();
    const aDayLater = machineBootTime() + 24 * 3600;

    store = RideStore.open(dir, discarded, aDayLater);

    expect(discarded).toHaveBeenCalledWith(expect.stringMatching(/machine restarted/));
    expect(store.get(RIDE)).toBeUndefined();
    expect(store.positions()).toEqual([]);
  });

  it('when the process restarts on the same boot, then the store is kept', () => {
    store.applyBatch([requested(RIDE)], at('ride_details', 0, 7));
    store.close();
    const discarded = jest.fn();

    store = RideStore.open(dir, discarded, machineBootTime() + 5);

    expect(discarded).not.toHaveBeenCalled();
    expect(store.get(RIDE)?.status).toBe('requested');
  });

  it('when rides are older than the retention, then pruning deletes them and keeps the rest', async () => {
    const old = Array.from({ length: 4_500 }, (_, i) =>
      requested(`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, '2026-11-01T00:00:00Z'),
    );
    store.applyBatch([...old, requested(RIDE)], at('ride_details', 0, old.length + 1));

    const deleted = await pruneRides(store, 7 * 24 * 3600_000, new Date('2026-11-21T12:00:00Z'));

    expect(deleted).toBe(old.length);
    expect(old.some((ride) => store.get(ride.rideId))).toBe(false);
    expect(store.get(RIDE)?.status).toBe('requested');
  });

  it('when a ride was accepted over HTTP but not read back yet, then it is answered, until the topic brings it', () => {
    store.requested(RIDE, requestedAt, 'fp-http');

    expect(store.status(RIDE)).toEqual({ rideId: RIDE, status: 'requested', requestedAt });

    store.applyBatch([confirmed(RIDE)], at('ride_confirmed', 0, 1));
    expect(store.status(RIDE)?.status).toBe('confirmed');
  });

  it('when the store is reset, then it holds no rides and no offsets', () => {
    store.applyBatch([requested(RIDE)], at('ride_details', 0, 3));

    store.reset();

    expect(store.get(RIDE)).toBeUndefined();
    expect(store.positions()).toEqual([]);
  });
});
