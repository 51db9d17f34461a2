import { maskEmail } from './logger';

describe('maskEmail', () => {
  it('when masking an address, then only the first letter and the domain remain', () => {
    expect(maskEmail('ada@example.com')).toBe('a***@example.com');
  });

  it('when the local part has an @ of its own, then the domain after the last @ is kept', () => {
    expect(maskEmail('"a@b"@example.com')).toBe('"***@example.com');
  });

  it.each(['not-an-email', '@example.com', ''])(
    'when %p has no local part before an @, then it is masked entirely',
    (value) => {
      expect(maskEmail(value)).toBe('***');
    },
  );
});
