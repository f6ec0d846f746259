import type { AppConfig } from '@app/config';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** Only the API (and the stored images) are for other origins; the web page and tools are not. */
const CORS_PATHS = /^\/(api|files)(\/|\?|$)/;

const ALLOWED_METHODS = 'GET, POST, PUT, PATCH, DELETE';
const ALLOWED_HEADERS = 'Authorization, Content-Type, Idempotency-Key, X-Request-Id';
/** What a script on another origin may read besides the always-safe headers. */
const EXPOSED_HEADERS = 'RateLimit, RateLimit-Policy, Retry-After, X-Request-Id, Location';
const PREFLIGHT_MAX_AGE_SECONDS = '600';

/**
 * CORS for browser clients on the origins in CORS_ORIGINS (off when empty; `*` for any). Without
 * credentials: such clients authenticate with an API token (`Authorization: Token …`), never the
 * session cookie, which the browser therefore never sends cross-origin — so the page's CSRF
 * defence is untouched. A preflight from an allowed origin is answered here (204) before any
 * route or guard; one from another origin gets no CORS headers, and the browser refuses.
 *
 * A hook rather than @fastify/cors: the whole policy is these few lines.
 */
export function allowCrossOrigin(app: NestFastifyApplication, config: AppConfig): void {
  const { origins } = config.cors;
  if (origins.length === 0) {
    return;
  }
  const anyOrigin = origins.includes('*');
  const allowed = new Set(origins);
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, reply, done) => {
      const origin = request.headers.origin;
      if (!origin || !CORS_PATHS.test(request.url)) {
        done();
        return;
      }
      // The answer depends on the Origin even when it is refused: caches must key on it.
      void reply.header('vary', 'Origin');
      if (!anyOrigin && !allowed.has(origin.toLowerCase())) {
        done();
        return;
      }
      void reply.header('access-control-allow-origin', anyOrigin ? '*' : origin);
      if (request.method === 'OPTIONS' && request.headers['access-control-request-method']) {
        void reply
          .header('access-control-allow-methods', ALLOWED_METHODS)
          .header('access-control-allow-headers', ALLOWED_HEADERS)
          .header('access-control-max-age', PREFLIGHT_MAX_AGE_SECONDS)
          .code(204)
          .send();
        return;
      }
      void reply.header('access-control-expose-headers', EXPOSED_HEADERS);
      done();
    });
}
