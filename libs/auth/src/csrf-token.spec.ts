import { csrfTokenFor, csrfTokenMatches } from './csrf-token';

describe('CSRF tokens', () => {
  it('are derived from the session token: the same session, the same token', () => {
    expect(csrfTokenFor('aig_session_one')).toBe(csrfTokenFor('aig_session_one'));
    expect(csrfTokenFor('aig_session_one')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('differ per session and never reveal the session token', () => {
    const token = csrfTokenFor('aig_session_one');
    expect(csrfTokenFor('aig_session_two')).not.toBe(token);
    expect(token).not.toContain('session');
  });

  it('match only the session they were made for', () => {
    const token = csrfTokenFor('aig_session_one');
    expect(csrfTokenMatches('aig_session_one', token)).toBe(true);
    expect(csrfTokenMatches('aig_session_two', token)).toBe(false);
    expect(csrfTokenMatches('aig_session_one', undefined)).toBe(false);
    expect(csrfTokenMatches('aig_session_one', '')).toBe(false);
    expect(csrfTokenMatches('aig_session_one', `${token}x`)).toBe(false);
  });
});
