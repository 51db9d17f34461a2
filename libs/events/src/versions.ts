import type { TopicKey } from './topics';

/** `<major>.<revision>`: the major is the envelope's `schemaVersion`; the revision counts additions. */
export type ContractVersion = `${number}.${number}`;

/**
 * The contract version each topic's writers write now (ADR 040). A compatible change (an optional
 * field added) raises the revision, 1.0 → 1.1; a breaking one needs a new major, 1.x → 2.0, with a
 * reader of the old major (topics.ts `otherMajors`). Each version is published once and frozen in
 * libs/events/schemas/<topic>/ (its JSON Schema and examples, written by `npm run contracts`);
 * the contracts tests fail when a schema changes without a new version here, or breaks a reader of
 * a published one. See docs/changing-a-contract.md.
 */
export const contractVersions: Record<TopicKey, ContractVersion> = {
  rideRequested: '1.1',
  rideConfirmed: '1.1',
  rideRejected: '1.0',
  rideAnalytics: '1.0',
  emailsSent: '1.0',
  analyticsState: '1.1',
  fleetState: '2.1',
  dispatch: '1.0',
};

export const parseVersion = (version: ContractVersion): { major: number; revision: number } => {
  const [major, revision] = version.split('.').map(Number);
  return { major: major ?? NaN, revision: revision ?? NaN };
};
