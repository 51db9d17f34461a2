import { ledgerKey } from './ledger-key';

const rideId = '0f8fad5b-d9cb-469f-a165-70867728950e';

describe('ledgerKey', () => {
  it('when the ride id is a lowercase UUID, then the key is its 16 bytes and the kind in 17 characters', () => {
    const key = ledgerKey({ rideId, kind: 'confirmation' });

    expect(key).toHaveLength(17);
    expect(Buffer.from(key, 'latin1').toString('hex')).toBe(`${rideId.replaceAll('-', '')}63`);
  });

  it('when the kind or the ride differs, then the key differs', () => {
    const other = '0f8fad5b-d9cb-469f-a165-70867728950f';

    const keys = new Set([
      ledgerKey({ rideId, kind: 'confirmation' }),
      ledgerKey({ rideId, kind: 'rejection' }),
      ledgerKey({ rideId: other, kind: 'confirmation' }),
    ]);

    expect(keys.size).toBe(3);
    expect(ledgerKey({ rideId, kind: 'rejection' })).toBe(ledgerKey({ rideId, kind: 'rejection' }));
  });

  it('when the ride id is not a lowercase UUID, then the key is its full text and never a packed one', () => {
    const upper = rideId.toUpperCase();

    expect(ledgerKey({ rideId: upper, kind: 'confirmation' })).toBe(`${upper}:confirmation`);
    expect(ledgerKey({ rideId: upper, kind: 'confirmation' })).not.toBe(
      ledgerKey({ rideId, kind: 'confirmation' }),
    );
  });
});
