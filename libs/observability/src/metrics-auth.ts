import { timingSafeEqual } from 'node:crypto';

/** With a configured token, `/metrics` needs `Authorization: Bearer <token>` (compared in constant time). */
export function metricsAuthorized(token: string | undefined, header: string | undefined): boolean {
  if (!token) {
    return true;
  }
  const expected = Buffer.from(`Bearer ${token}`);
  const given = Buffer.from(header ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
