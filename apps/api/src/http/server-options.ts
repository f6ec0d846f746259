import type { AppConfig } from '@app/config';
import type { FastifyServerOptions } from 'fastify';

/**
 * Node looks for requests past their timeout only this often (30 s by default), so a 30 s timeout
 * could let a slow client hold a connection for up to a minute. The check walks the connections
 * still receiving a request, which is cheap.
 */
const CONNECTIONS_CHECKING_INTERVAL_MS = 1000;

/**
 * The HTTP server's timeouts and proxy trust. Fastify leaves `requestTimeout` at 0 (never), so a
 * client dripping a body one byte at a time could hold a connection, and its memory, for ever.
 * - requestTimeout: the whole request (headers and body) within HTTP_REQUEST_TIMEOUT_MS, from its
 *   first byte; a late one gets 408 and the connection is closed. Responses are not limited by
 *   it, and WebSocket upgrades leave the HTTP server's accounting once upgraded.
 * - headersTimeout: the same bound for the headers alone (Node wants it ≤ requestTimeout).
 * - connectionTimeout: a socket silent this long in the middle of a request is closed.
 * - keepAliveTimeout: idle keep-alive sockets, longer than the load balancer's idle timeout.
 */
export function httpServerOptions(config: AppConfig): Pick<
  FastifyServerOptions,
  'requestTimeout' | 'connectionTimeout' | 'keepAliveTimeout' | 'trustProxy'
> & {
  http: { headersTimeout: number; requestTimeout: number; connectionsCheckingInterval: number };
} {
  const { requestTimeoutMs, keepAliveTimeoutMs, trustProxy } = config.http;
  return {
    requestTimeout: requestTimeoutMs,
    connectionTimeout: requestTimeoutMs,
    keepAliveTimeout: keepAliveTimeoutMs,
    // Passed to http.createServer: the only place Node takes the checking interval.
    http: {
      headersTimeout: requestTimeoutMs,
      requestTimeout: requestTimeoutMs,
      connectionsCheckingInterval: Math.min(CONNECTIONS_CHECKING_INTERVAL_MS, requestTimeoutMs),
    },
    trustProxy,
  };
}
