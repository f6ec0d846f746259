import type { FastifyReply } from 'fastify';

/** Close code sent when the api shuts down ("going away"): clients should reconnect. */
export const CLOSE_GOING_AWAY = 1001;
/** Close code when the socket's API token is revoked: clients must not reconnect with it. */
export const CLOSE_TOKEN_REVOKED = 4401;
/** Close code for an upgrade that raced past the per-user cap (the others get HTTP 429). */
export const CLOSE_TOO_MANY_CONNECTIONS = 4429;

/** Browsers can neither send nor see ping frames: `{"type":"ping"}` lets them check the line. */
export function isAppPing(text: string): boolean {
  try {
    const message: unknown = JSON.parse(text);
    return (
      typeof message === 'object' &&
      message !== null &&
      (message as { type?: unknown }).type === 'ping'
    );
  } catch {
    return false;
  }
}

const ERRORS: Record<number, { error: string; code: string }> = {
  400: { error: 'Bad Request', code: 'invalid_last_event_id' },
  401: { error: 'Unauthorized', code: 'unauthorized' },
  429: { error: 'Too Many Requests', code: 'too_many_requests' },
  503: { error: 'Service Unavailable', code: 'temporarily_unavailable' },
};

/** Refuses an upgrade with the api's error shape (`ErrorResponse`): a plain HTTP answer. */
export function refuseUpgrade(
  reply: FastifyReply,
  statusCode: 400 | 401 | 429 | 503,
  message: string,
): FastifyReply {
  const { error, code } = ERRORS[statusCode];
  return reply
    .code(statusCode)
    .send({ statusCode, error, message, code, request_id: reply.request.id });
}
