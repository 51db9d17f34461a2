import { createHash } from 'node:crypto';
import type { Money } from '@taxi/events';

export type Authorization =
  { status: 'authorized'; authorizationId: string } | { status: 'declined'; reason: string };

/** Per-ride authorization limit of the simulated gateway, in minor units. */
export const AUTHORIZATION_LIMIT = 50_000;

const DECLINED_TOKENS: Readonly<Record<string, string>> = {
  tok_chargeDeclined: 'card declined by issuer',
  tok_insufficientFunds: 'insufficient funds',
  tok_expiredCard: 'card expired',
  tok_stolenCard: 'card reported stolen',
};

/**
 * A simulated payment gateway with fixed, documented rules (like a card processor's test mode):
 * - the tokens in DECLINED_TOKENS are declined with their reason;
 * - any other token is authorized for amounts up to AUTHORIZATION_LIMIT, declined above it;
 * - the authorization id is derived from the ride id, so a retried authorization is the same one.
 */
export const authorizePayment = (
  rideId: string,
  paymentToken: string,
  amount: Money,
): Authorization => {
  const declined = DECLINED_TOKENS[paymentToken];
  if (declined) return { status: 'declined', reason: declined };
  if (amount.amount > AUTHORIZATION_LIMIT) {
    return {
      status: 'declined',
      reason: `amount exceeds the ${AUTHORIZATION_LIMIT / 100} ${amount.currency} limit`,
    };
  }
  const digest = createHash('sha256').update(`auth:${rideId}`).digest('hex').slice(0, 16);
  return { status: 'authorized', authorizationId: `auth_${digest}` };
};
