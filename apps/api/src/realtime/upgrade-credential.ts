import { parseAuthorizationHeader } from '@app/auth';

/** What a WebSocket upgrade authenticates with. */
export type UpgradeCredential =
  { kind: 'token'; token: string } | { kind: 'ticket'; ticket: string };

/** A credential in the URL the api will not take; the message says what to send instead. */
export class UpgradeCredentialError extends Error {}

/**
 * The credential of a WebSocket upgrade: the `Authorization` header (scripts, servers) or else a
 * one-time `?ticket=` from `POST /api/ws/ticket/` (browsers cannot set headers on
 * `new WebSocket(url)`). An API token in the URL is refused outright, even beside a good header:
 * URLs end up in proxy and server logs, and a client that sends one should learn at once.
 * Returns null without a credential; throws `MalformedAuthorizationError` for a malformed header.
 */
export function upgradeCredential(
  authorization: string | string[] | undefined,
  query: unknown,
): UpgradeCredential | null {
  const params =
    typeof query === 'object' && query !== null ? (query as Record<string, unknown>) : {};
  if (params.token !== undefined) {
    throw new UpgradeCredentialError(
      'API tokens are not accepted in the URL (URLs end up in logs). Send "Authorization: Token <api token>", ' +
        'or get a one-time ticket from POST /api/ws/ticket/ and connect to /api/ws?ticket=<ticket>.',
    );
  }
  const token = parseAuthorizationHeader(
    Array.isArray(authorization) ? authorization[0] : authorization,
  );
  if (token !== null) {
    return { kind: 'token', token };
  }
  const ticket = params.ticket;
  if (Array.isArray(ticket)) {
    // Ambiguous: refuse rather than guess (and rather than spend either ticket).
    throw new UpgradeCredentialError(
      'Send one ticket: ?ticket=<ticket from POST /api/ws/ticket/>.',
    );
  }
  return typeof ticket === 'string' && ticket.trim() !== ''
    ? { kind: 'ticket', ticket: ticket.trim() }
    : null;
}
