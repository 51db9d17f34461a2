import { describeBadConfiguration } from '@taxi/stack-harness/jest';

// The built service (dist/apps/web) started with bad configuration, as config.ts defines it.
describeBadConfiguration('web', [
  ['RIDES_URL', 'ftp://rides'],
  ['FLEET_CENTER_LAT', '-91'],
  ['FLEET_RADIUS_KM', '0'],
  ['RECENT_EVENTS', '0'],
  ['OPERATIONS_INTERVAL_MS', 'often'],
]);
