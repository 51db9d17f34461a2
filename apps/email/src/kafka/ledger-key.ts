import type { Email } from '../domain/compose-email';

/**
 * Bytes of a packed ledger key: the ride id's 16 bytes, a byte for the kind, and 4 bytes saying
 * which of its 32 hex digits are upper case (the contract accepts either case, and the
 * Message-ID carries the id as written, so `ABC…` and `abc…` are different emails).
 */
export const LEDGER_KEY_BYTES = 21;

const KIND_BYTE: Record<Email['kind'], number> = { confirmation: 0x63, rejection: 0x72 };
const DASHES = new Set([8, 13, 18, 23]);

const hexValue = (code: number): number => {
  if (code >= 0x30 && code <= 0x39) return code - 0x30; // 0-9
  if (code >= 0x61 && code <= 0x66) return code - 0x57; // a-f
  if (code >= 0x41 && code <= 0x46) return code - 0x37; // A-F
  return -1;
};

/**
 * How the ledger remembers an email in memory, for up to LEDGER_RESTORE_WINDOW emails per owned
 * partition: written into `into` (LEDGER_KEY_BYTES from 0), which is returned. Exact: two
 * emails get the same bytes only if their ride ids are the same text and their kinds the same.
 * A ride id is a UUID by the contract (events are decoded before they get here); anything else
 * throws rather than be remembered wrongly.
 */
export const packLedgerKey = (
  email: Pick<Email, 'rideId' | 'kind'>,
  into: Uint8Array,
): Uint8Array => {
  const id = email.rideId;
  if (id.length !== 36) throw new Error(`ledger key: ride id ${id} is not a UUID`);
  let digit = 0;
  let upperCase = 0;
  for (let at = 0; at < 36; at += 1) {
    const code = id.charCodeAt(at);
    if (DASHES.has(at)) {
      if (code !== 0x2d) throw new Error(`ledger key: ride id ${id} is not a UUID`);
      continue;
    }
    const value = hexValue(code);
    if (value < 0) throw new Error(`ledger key: ride id ${id} is not a UUID`);
    if (code >= 0x41 && code <= 0x46) upperCase |= 1 << digit;
    const byte = digit >> 1;
    into[byte] = digit % 2 === 0 ? value << 4 : (into[byte] as number) | value;
    digit += 1;
  }
  into[16] = KIND_BYTE[email.kind];
  into[17] = upperCase >>> 24;
  into[18] = (upperCase >>> 16) & 0xff;
  into[19] = (upperCase >>> 8) & 0xff;
  into[20] = upperCase & 0xff;
  return into;
};
