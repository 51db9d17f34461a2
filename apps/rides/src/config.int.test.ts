import { describeBadConfiguration } from '@taxi/stack-harness/jest';

// The built service (dist/apps/rides) started with bad configuration, as config.ts defines it.
describeBadConfiguration('rides', [
  ['PUBLISH_TIMEOUT_MS', '-5'],
  ['MAX_BODY_BYTES', 'big'],
]);
