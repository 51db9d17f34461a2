import { exampleFleetState } from '@taxi/events';
import { createFleet } from '../domain/fleet';
import { fleetViewOf, type FleetSnapshotRecord } from './fleet-view';

const fleet = createFleet({ size: 12, seed: 1, center: { lat: 40.7, lng: -73.9 }, radiusKm: 5 });
const [first, second] = fleet;
const NOW_MS = Date.parse('2026-11-21T10:00:01.000Z');

/** Partition 8's snapshot (no genesis drivers there), owning one driver, written at `writtenMs`. */
const snapshotOf = (driverId: string, writtenMs: number): FleetSnapshotRecord => ({
  offset: '0',
  timestampMs: writtenMs,
  event: exampleFleetState({
    source: { topic: 'ride_details', partition: 8 },
    drivers: [{ id: driverId, position: { lat: 40.7, lng: -73.9 }, vehicleClass: 'standard' }],
  }),
});

const viewObserving = () => {
  const lags: number[] = [];
  const view = fleetViewOf(
    fleet,
    (seconds) => lags.push(seconds),
    () => NOW_MS,
  );
  return { view, lags };
};

describe('fleetViewOf: the fleet view and its lag', () => {
  it('when snapshots are applied while following, then each one’s lag is now minus its record timestamp', () => {
    const { view, lags } = viewObserving();

    view.apply(
      [snapshotOf(first?.id ?? '', NOW_MS - 120), snapshotOf(second?.id ?? '', NOW_MS - 45)],
      true,
    );

    expect(lags).toEqual([0.12, 0.045]);
    expect([...(view.partitions.get(8)?.keys() ?? [])]).toEqual([second?.id]);
  });

  it('when snapshots are replayed while catching up, then they are applied but no lag is observed: old is not late', () => {
    const { view, lags } = viewObserving();

    view.apply([snapshotOf(first?.id ?? '', NOW_MS - 3_600_000)], false);

    expect(lags).toEqual([]);
    expect([...(view.partitions.get(8)?.keys() ?? [])]).toEqual([first?.id]);
  });
});
