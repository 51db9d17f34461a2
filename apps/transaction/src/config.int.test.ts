import { describeBadConfiguration } from '@taxi/stack-harness/jest';

// The built service (dist/apps/transaction) started with bad configuration, as config.ts defines it.
describeBadConfiguration('transaction', [
  ['FLEET_SIZE', '0'],
  // A partition's largest fleet snapshot would pass the 900 KiB a snapshot may be (config.ts).
  ['FLEET_SIZE', '100000'],
  ['FLEET_SEED', '1.5'],
  ['FLEET_CENTER_LAT', '91'],
  ['FLEET_CENTER_LNG', '-181'],
  ['FLEET_RADIUS_KM', '-1'],
  ['MAX_PICKUP_KM', 'far'],
  ['DRIVER_BUSY_TIME_SCALE', '2'],
  ['PARTITIONS_CONSUMED_CONCURRENTLY', '0'],
]);
