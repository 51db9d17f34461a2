import type { DispatchPolicy } from './dispatch';

export type Forwarding = Omit<DispatchPolicy, 'homeOf'>;

/**
 * Forwarding as ADR 038 chooses, and the service runs: any saving is worth a hop; after 6 hops,
 * own drivers or none; a driver forwarded for is left alone here for 1 s (a hop and a view lag,
 * measured at 0.5 s each). No hand-over at a drop-off: a driver stays with the partition that
 * assigned them.
 */
export const FORWARDING: Forwarding = { maxHops: 6, minForwardGainKm: 0, claimMs: 1_000 };
