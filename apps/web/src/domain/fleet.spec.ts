import type { FleetPartitionState } from '@taxi/events';
import { fleetOnMap } from './fleet';

const NOW = Date.parse('2026-11-21T10:00:00.000Z');
const home = { lat: 40.73, lng: -73.93 };
const dropoff = { lat: 40.75, lng: -73.98 };

const shard = (
  partition: number,
  drivers: FleetPartitionState['drivers'],
): FleetPartitionState => ({
  source: { topic: 'ride_details', partition },
  nextOffset: '10',
  drivers,
  rides: [],
  claims: [],
});

describe('the fleet on the map', () => {
  it('when a driver is busy until after now, then they are busy at the drop-off they are free from', () => {
    const drivers = fleetOnMap(
      {
        partitions: 2,
        snapshots: [
          shard(0, [{ id: 'drv-000', position: dropoff, busyUntil: '2026-11-21T10:00:00.001Z' }]),
        ],
      },
      NOW,
    );

    expect(drivers.busy).toEqual([{ id: 'drv-000', ...dropoff }]);
    expect(drivers.free).toEqual([]);
  });

  it('when a busy time has passed or was never set, then the driver is free where they are', () => {
    const drivers = fleetOnMap(
      {
        partitions: 2,
        snapshots: [
          shard(0, [{ id: 'drv-000', position: dropoff, busyUntil: '2026-11-21T10:00:00.000Z' }]),
          shard(1, [{ id: 'drv-001', position: home }]),
        ],
      },
      NOW,
    );

    expect(drivers.busy).toEqual([]);
    expect(drivers.free).toEqual([
      { id: 'drv-000', ...dropoff },
      { id: 'drv-001', ...home },
    ]);
  });

  it('when some shards have no snapshot yet, then the view says how many of all were reported', () => {
    const drivers = fleetOnMap({ partitions: 6, snapshots: [shard(3, [])] }, NOW);

    expect(drivers.shards).toEqual({ reported: 1, total: 6 });
  });
});
