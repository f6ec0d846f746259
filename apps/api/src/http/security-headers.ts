import type { AppConfig } from '@app/config';
import helmet from 'helmet';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

type Directives = Record<string, string[]>;

/**
 * The web page (apps/web): its bundled script and stylesheet only, no inline code (index.html has
 * none, and the page sets styles through the CSSOM, which style-src does not govern); images from
 * object storage on another origin; the live updates' WebSocket. Also sent with every API answer,
 * where it changes nothing but costs nothing.
 */
const PAGE: Directives = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'https:', 'http:', 'data:'],
  'connect-src': ["'self'", 'ws:', 'wss:'],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'frame-ancestors': ["'none'"],
  'form-action': ["'self'"],
};

/**
 * Swagger UI (/docs) and Bull Board (/admin/queues) ship inline <style> blocks and style
 * attributes, so they need 'unsafe-inline' styles (scripts stay 'self' only: both load theirs from
 * files). Bull Board's page also sets <base href>, hence base-uri 'self'. Its Google Fonts are left
 * blocked: the dashboard falls back to system fonts rather than telling Google who the admins are.
 */
const TOOLS: Directives = {
  ...PAGE,
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'base-uri': ["'self'"],
};

const TOOL_PATHS = /^\/(docs|admin\/queues)(\/|$)/;
/** Stored images (local storage driver) are shown by clients on other origins too. */
const FILES_PATHS = /^\/files(\/|$)/;

/**
 * Security headers on every answer (helmet): a CSP (per path, see above), frame-ancestors 'none'
 * and X-Frame-Options DENY, nosniff, Referrer-Policy no-referrer, and HSTS only when the public
 * URL is https (on http it means nothing, and on localhost it would pin every other local app to
 * https). helmet itself rather than @fastify/helmet: that plugin builds helmet's middleware anew
 * for every request (and adds two async hooks); here each policy is built once, at start.
 */
export function registerSecurityHeaders(app: NestFastifyApplication, config: AppConfig): void {
  const https = config.api.publicUrl.startsWith('https:');
  const policy = (
    directives: Directives,
    extra: { crossOriginResourcePolicy?: { policy: 'cross-origin' } } = {},
  ) =>
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: https ? { ...directives, 'upgrade-insecure-requests': [] } : directives,
      },
      frameguard: { action: 'deny' },
      referrerPolicy: { policy: 'no-referrer' },
      strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
      ...extra,
    });
  const page = policy(PAGE);
  const tools = policy(TOOLS);
  const files = policy(PAGE, { crossOriginResourcePolicy: { policy: 'cross-origin' } });
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, reply, done) => {
      const headers = TOOL_PATHS.test(request.url)
        ? tools
        : FILES_PATHS.test(request.url)
          ? files
          : page;
      headers(request.raw, reply.raw, (error?: unknown) => done(error as Error | undefined));
    });
}
