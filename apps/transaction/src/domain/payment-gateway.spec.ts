import { AUTHORIZATION_LIMIT, authorizePayment } from './payment-gateway';

const rideA = '0b6f2f7e-8a55-4d3c-b7a1-6a8e8f9a1c11';
const rideB = '5e0c7a9d-1f3b-4c2a-8e6d-9b0a1c2d3e4f';
const usd = (amount: number) => ({ amount, currency: 'USD' });

describe('authorizePayment', () => {
  it.each([
    ['tok_chargeDeclined', 'card declined by issuer'],
    ['tok_insufficientFunds', 'insufficient funds'],
    ['tok_expiredCard', 'card expired'],
    ['tok_stolenCard', 'card reported stolen'],
  ])('when the card token is %s, then the payment is declined because: %s', (token, reason) => {
    const result = authorizePayment(rideA, token, usd(1000));

    expect(result).toEqual({ status: 'declined', reason });
  });

  it('when the amount is exactly the limit, then it is authorized', () => {
    const result = authorizePayment(rideA, 'tok_visa', usd(AUTHORIZATION_LIMIT));

    expect(result.status).toBe('authorized');
  });

  it('when the amount is above the limit, then it is declined naming the limit', () => {
    const result = authorizePayment(rideA, 'tok_visa', usd(AUTHORIZATION_LIMIT + 1));

    expect(result).toEqual({
      status: 'declined',
      reason: expect.stringContaining(`${AUTHORIZATION_LIMIT / 100} USD`),
    });
  });

  it('when the same ride is authorized twice, then both authorizations have the same id', () => {
    const first = authorizePayment(rideA, 'tok_visa', usd(2000));

    const retried = authorizePayment(rideA, 'tok_mastercard', usd(2100));

    expect(first.status).toBe('authorized');
    expect(retried).toEqual(first);
  });

  it('when two rides are authorized, then their authorization ids differ', () => {
    const a = authorizePayment(rideA, 'tok_visa', usd(2000));

    const b = authorizePayment(rideB, 'tok_visa', usd(2000));

    if (a.status !== 'authorized' || b.status !== 'authorized') throw new Error('not authorized');
    expect(a.authorizationId).toMatch(/^auth_[0-9a-f]{16}$/);
    expect(b.authorizationId).toMatch(/^auth_[0-9a-f]{16}$/);
    expect(a.authorizationId).not.toBe(b.authorizationId);
  });
});
