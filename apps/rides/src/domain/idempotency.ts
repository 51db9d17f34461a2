import { createHash } from 'node:crypto';
import type { RideRequestInput } from './ride-request-input';

/** Allowed `Idempotency-Key` values: what clients commonly send (UUIDs, ULIDs, opaque tokens). */
export const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,128}$/;

const NAMESPACE = Buffer.from('6ba7b8119dad11d180b400c04fd430c8', 'hex');

/**
 * The ride id of a request sent with an idempotency key: a name-based UUID (v5) of the customer and
 * the key, so every instance, before and after a restart, gives a retry the same ride id.
 */
export const rideIdForKey = (customerId: string, key: string): string => {
  const hash = createHash('sha1').update(NAMESPACE).update(`${customerId}\n${key}`).digest();
  hash[6] = ((hash[6] as number) & 0x0f) | 0x50;
  hash[8] = ((hash[8] as number) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

/**
 * True for a ride id `rideIdForKey` makes (a v5 UUID). Any other id was drawn at random (v4) for a
 * request without a key: no retry can ever name it, so nothing needs its fingerprint.
 */
export const isKeyedRideId = (rideId: string): boolean => rideId.charAt(14) === '5';

/** Identifies what was asked for, so a key reused for a different ride is caught. */
export const requestFingerprint = (input: RideRequestInput): string =>
  createHash('sha256')
    .update(
      JSON.stringify([
        input.customerId,
        input.customerEmail,
        input.pickup.lat,
        input.pickup.lng,
        input.dropoff.lat,
        input.dropoff.lng,
        input.passengers,
        input.paymentToken,
      ]),
    )
    .digest('base64url');

export class IdempotencyConflictError extends Error {
  constructor(readonly rideId: string) {
    super(`idempotency key already used for another ride request (${rideId})`);
    this.name = 'IdempotencyConflictError';
  }
}
