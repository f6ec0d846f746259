import { MalformedAuthorizationError } from '@app/auth';

import { UpgradeCredentialError, upgradeCredential } from './upgrade-credential';

describe('upgradeCredential', () => {
  it('reads Token and Bearer headers', () => {
    expect(upgradeCredential('Token aig_abc', {})).toEqual({ kind: 'token', token: 'aig_abc' });
    expect(upgradeCredential('Bearer aig_abc', undefined)).toEqual({
      kind: 'token',
      token: 'aig_abc',
    });
    expect(upgradeCredential(['Token aig_first', 'Token aig_second'], {})).toEqual({
      kind: 'token',
      token: 'aig_first',
    });
  });

  it('reads a ticket from the query (browsers cannot set headers)', () => {
    expect(upgradeCredential(undefined, { ticket: 'abc_DEF-123' })).toEqual({
      kind: 'ticket',
      ticket: 'abc_DEF-123',
    });
    expect(upgradeCredential('', { ticket: ' abc ' })).toEqual({ kind: 'ticket', ticket: 'abc' });
  });

  it('prefers the header over a ticket, which then stays unused', () => {
    expect(upgradeCredential('Token aig_h', { ticket: 'abc' })).toEqual({
      kind: 'token',
      token: 'aig_h',
    });
  });

  it('refuses an API token in the URL, saying where to get a ticket', () => {
    for (const query of [{ token: 'aig_q' }, { token: '' }, { token: ['a', 'b'] }]) {
      expect(() => upgradeCredential(undefined, query)).toThrow(UpgradeCredentialError);
      expect(() => upgradeCredential('Token aig_h', query)).toThrow(/POST \/api\/ws\/ticket\//);
    }
  });

  it('refuses a repeated ticket rather than guess', () => {
    expect(() => upgradeCredential(undefined, { ticket: ['a', 'b'] })).toThrow(
      UpgradeCredentialError,
    );
  });

  it('returns null when there is no credential', () => {
    expect(upgradeCredential(undefined, {})).toBeNull();
    expect(upgradeCredential(undefined, { ticket: '' })).toBeNull();
    expect(upgradeCredential(undefined, null)).toBeNull();
  });

  it('rejects a malformed header', () => {
    expect(() => upgradeCredential('Basic dXNlcg==', { ticket: 'abc' })).toThrow(
      MalformedAuthorizationError,
    );
  });
});
