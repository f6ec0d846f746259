import { UsageError } from './command';
import { email, optionalString, requireString, signedWholeNumber, wholeNumber } from './flags';

describe('CLI flags', () => {
  it('requireString trims, and refuses absent, blank and boolean values', () => {
    expect(requireString({ note: '  why  ' }, 'note')).toBe('why');
    for (const flags of [{}, { note: '   ' }, { note: true }]) {
      expect(() => requireString(flags, 'note')).toThrow(new UsageError('--note is required.'));
    }
  });

  it('optionalString falls back when absent or blank', () => {
    expect(optionalString({}, 'name', 'default')).toBe('default');
    expect(optionalString({ name: ' ' }, 'name', 'default')).toBe('default');
    expect(optionalString({ name: ' laptop ' }, 'name', 'default')).toBe('laptop');
  });

  it('email wants something@something', () => {
    expect(email({ email: ' Ada@Example.com ' })).toBe('Ada@Example.com');
    expect(() => email({ email: 'ada' })).toThrow('--email ada is not an e-mail address.');
    expect(() => email({ email: 'a b@c' })).toThrow(UsageError);
  });

  describe('wholeNumber', () => {
    it('reads digits, with a fallback only when absent', () => {
      expect(wholeNumber({ n: '7' }, 'n', 1)).toBe(7);
      expect(wholeNumber({}, 'n', 0, 0)).toBe(0);
      expect(wholeNumber({ n: '0' }, 'n', 0, 5)).toBe(0);
    });

    it.each(['', '-1', '+1', '1.0', '1e3', ' 1', '0x10', 'one'])('refuses %j', (raw) => {
      expect(() => wholeNumber({ n: raw }, 'n', 0)).toThrow(
        '--n must be a whole number of 0 or more.',
      );
    });

    it('enforces the minimum and the database integer maximum', () => {
      expect(() => wholeNumber({ n: '0' }, 'n', 1)).toThrow('of 1 or more');
      expect(wholeNumber({ n: '2147483647' }, 'n', 1)).toBe(2147483647);
      expect(() => wholeNumber({ n: '2147483648' }, 'n', 1)).toThrow(
        '--n must be at most 2147483647.',
      );
    });

    it('is required without a fallback', () => {
      expect(() => wholeNumber({}, 'n', 1)).toThrow(UsageError);
    });
  });

  describe('signedWholeNumber', () => {
    it.each([
      ['5', 5],
      ['+5', 5],
      ['-5', -5],
      ['-2147483647', -2147483647],
    ])('reads %j as %i', (raw, value) => {
      expect(signedWholeNumber({ n: raw }, 'n')).toBe(value);
    });

    it.each(['0', '-0', '+0', '', '--5', '5-', '1.5', 'x'])('refuses %j', (raw) => {
      expect(() => signedWholeNumber({ n: raw }, 'n')).toThrow(
        '--n must be a non-zero whole number, e.g. 5 or -5.',
      );
    });

    it('refuses an absent value and one past the integer range', () => {
      expect(() => signedWholeNumber({}, 'n')).toThrow(UsageError);
      expect(() => signedWholeNumber({ n: '-2147483648' }, 'n')).toThrow(
        '--n must be between -2147483647 and 2147483647.',
      );
    });
  });
});
