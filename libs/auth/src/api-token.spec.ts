import {
  MalformedAuthorizationError,
  generateApiToken,
  hashApiToken,
  parseAuthorizationHeader,
} from './api-token';

describe('API tokens', () => {
  it('are random, prefixed and URL-safe', () => {
    const a = generateApiToken();
    const b = generateApiToken();
    expect(a).toMatch(/^aig_[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
  });

  it('hash to a stable SHA-256 hex digest', () => {
    expect(hashApiToken('aig_x')).toBe(hashApiToken('aig_x'));
    expect(hashApiToken('aig_x')).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiToken('aig_x')).not.toBe(hashApiToken('aig_y'));
  });

  it.each([
    ['Token abc', 'abc'],
    ['Bearer abc', 'abc'],
    ['token   abc  ', 'abc'],
  ])('reads %j', (header, token) => {
    expect(parseAuthorizationHeader(header)).toBe(token);
  });

  it('returns null without a header and refuses malformed ones', () => {
    expect(parseAuthorizationHeader(undefined)).toBeNull();
    expect(parseAuthorizationHeader('  ')).toBeNull();
    for (const header of ['Basic abc', 'Token', 'Token a b', 'abc']) {
      expect(() => parseAuthorizationHeader(header)).toThrow(MalformedAuthorizationError);
    }
  });
});
