import { LEDGER_KEY_BYTES, packLedgerKey } from './ledger-key';

const rideId = '0f8fad5b-d9cb-469f-a165-70867728950e';
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const packed = (id: string, kind: 'confirmation' | 'rejection' = 'confirmation') =>
  hex(packLedgerKey({ rideId: id, kind }, new Uint8Array(LEDGER_KEY_BYTES)));

describe('packLedgerKey', () => {
  it('when the ride id is a lowercase UUID, then the key is its 16 bytes, the kind and no upper case', () => {
    expect(packed(rideId)).toBe(`${rideId.replaceAll('-', '')}63${'00'.repeat(4)}`);
    expect(packed(rideId, 'rejection')).toBe(`${rideId.replaceAll('-', '')}72${'00'.repeat(4)}`);
  });

  it('when ride ids differ only in the case of a digit, then their keys differ', () => {
    const upper = rideId.toUpperCase();
    const oneUpper = `0F${rideId.slice(2)}`;

    const keys = new Set([packed(rideId), packed(upper), packed(oneUpper)]);

    expect(keys.size).toBe(3);
    expect(packed(oneUpper).slice(34)).toBe('00000002');
  });

  it('when the ride or the kind differs, then the key differs; when both are equal, it is equal', () => {
    const other = '0f8fad5b-d9cb-469f-a165-70867728950f';

    const keys = new Set([packed(rideId), packed(rideId, 'rejection'), packed(other)]);

    expect(keys.size).toBe(3);
    expect(packed(other, 'rejection')).toBe(packed(other, 'rejection'));
  });

  it('when the ride id is not a UUID, then packing throws rather than remember it wrongly', () => {
    for (const id of ['ride-1', `${rideId}0`, rideId.replace('-', 'x'), rideId.replace('e', 'g')])
      expect(() => packed(id)).toThrow(/is not a UUID/);
  });
});
