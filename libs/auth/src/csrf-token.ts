import { createHmac, timingSafeEqual } from 'node:crypto';

const PURPOSE = 'ainfographic csrf v1';

/**
 * The CSRF token of a cookie session: an HMAC keyed by the session token itself (a synchronizer
 * token bound to the session, with nothing stored). Only our own page can learn it (from
 * `GET /api/auth/session/`, which other origins cannot read), and no page can compute it,
 * because the session token sits in an httpOnly cookie. It changes with every sign-in and dies
 * with the session, so there is no second cookie to plant and no secret to configure.
 */
export function csrfTokenFor(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update(PURPOSE).digest('base64url');
}

/** Whether `given` (the X-CSRF-Token header) is the session's CSRF token; constant time. */
export function csrfTokenMatches(sessionToken: string, given: string | undefined): boolean {
  if (typeof given !== 'string' || given.length === 0) {
    return false;
  }
  const expected = Buffer.from(csrfTokenFor(sessionToken));
  const actual = Buffer.from(given);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
