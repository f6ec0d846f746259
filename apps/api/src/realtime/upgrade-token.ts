import { parseAuthorizationHeader } from '@app/auth';

/**
 * The API token of a WebSocket upgrade: the `Authorization` header (scripts, servers) or else the
 * `token` query parameter, because browsers cannot set headers on `new WebSocket(url)`. Returns
 * null when neither is present; throws `MalformedAuthorizationError` for a malformed header.
 */
export function upgradeToken(
  authorization: string | string[] | undefined,
  query: unknown,
): string | null {
  const header = parseAuthorizationHeader(
    Array.isArray(authorization) ? authorization[0] : authorization,
  );
  if (header !== null) {
    return header;
  }
  const token =
    typeof query === 'object' && query !== null
      ? (query as Record<string, unknown>).token
      : undefined;
  // A repeated `?token=` is ambiguous: treat it as no token rather than guess.
  return typeof token === 'string' && token.trim() !== '' ? token.trim() : null;
}
