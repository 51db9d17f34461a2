import type { Email } from '../domain/compose-email';

const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const KIND_BYTE: Record<Email['kind'], number> = { confirmation: 0x63, rejection: 0x72 };
// Reused for every key: building one is synchronous, so no two keys share it at once.
const scratch = Buffer.alloc(17);

/**
 * How the ledger remembers an email in memory, for up to LEDGER_RESTORE_WINDOW emails per owned
 * partition: the ride id's 16 bytes and a byte for the kind, as one flat 17-character string
 * (about 40 bytes of heap). `<rideId>:<kind>` built by concatenation is a tree of three strings
 * that V8 keeps as such, about 150 bytes with its share of the Set (heap snapshots of a 140k-ride
 * bench run, ADR 019). A ride id that is not a lowercase UUID (the contract accepts upper case)
 * keeps its full text, 18 characters or more, so it can never equal a packed key.
 */
export const ledgerKey = (email: Pick<Email, 'rideId' | 'kind'>): string => {
  if (!CANONICAL_UUID.test(email.rideId)) return [email.rideId, email.kind].join(':');
  scratch.write(email.rideId.replaceAll('-', ''), 0, 'hex');
  scratch[16] = KIND_BYTE[email.kind];
  return scratch.toString('latin1');
};
