import { MalformedAuthorizationError } from '@app/auth';

import { upgradeToken } from './upgrade-token';

describe('upgradeToken', () => {
  it('reads Token and Bearer headers', () => {
    expect(upgradeToken('Token aig_abc', {})).toBe('aig_abc');
    expect(upgradeToken('Bearer aig_abc', undefined)).toBe('aig_abc');
    expect(upgradeToken(['Token aig_first', 'Token aig_second'], {})).toBe('aig_first');
  });

  it('falls back to the token query parameter', () => {
    expect(upgradeToken(undefined, { token: 'aig_q' })).toBe('aig_q');
    expect(upgradeToken('', { token: ' aig_q ' })).toBe('aig_q');
  });

  it('prefers the header over the query', () => {
    expect(upgradeToken('Token aig_h', { token: 'aig_q' })).toBe('aig_h');
  });

  it('returns null when there is no usable token', () => {
    expect(upgradeToken(undefined, {})).toBeNull();
    expect(upgradeToken(undefined, { token: '' })).toBeNull();
    expect(upgradeToken(undefined, { token: ['a', 'b'] })).toBeNull();
    expect(upgradeToken(undefined, null)).toBeNull();
  });

  it('rejects a malformed header', () => {
    expect(() => upgradeToken('Basic dXNlcg==', { token: 'aig_q' })).toThrow(
      MalformedAuthorizationError,
    );
  });
});
