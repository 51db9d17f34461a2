import { describeBadConfiguration } from '@taxi/stack-harness/jest';

// The built service (dist/apps/analytics) started with bad configuration, as config.ts defines it.
describeBadConfiguration('analytics', [
  ['SUMMARY_INTERVAL_MS', '0'],
  ['SUMMARY_INTERVAL_MS', '90000'],
]);
