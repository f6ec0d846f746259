import type { AppConfig } from '@app/config';
import helmet from '@fastify/helmet';
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
 * Security headers on every answer (@fastify/helmet): a CSP (per path, see above), frame-ancestors
 * 'none' and X-Frame-Options DENY, nosniff, Referrer-Policy no-referrer, and HSTS only when the
 * public URL is https (on http it means nothing, and on localhost it would pin every other local
 * app to https). Registered before the routes, whose own policies an onRoute hook sets.
 */
export async function registerSecurityHeaders(
  app: NestFastifyApplication,
  config: AppConfig,
): Promise<void> {
  const https = config.api.publicUrl.startsWith('https:');
  const csp = (directives: Directives) => ({
    useDefaults: false,
    directives: https ? { ...directives, 'upgrade-insecure-requests': [] } : directives,
  });
  // Added before helmet's own onRoute hook, which turns a route's `helmet` into its settings.
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRoute', (route) => {
      if (TOOL_PATHS.test(route.url)) {
        route.helmet = { contentSecurityPolicy: csp(TOOLS) };
      } else if (FILES_PATHS.test(route.url)) {
        route.helmet = { crossOriginResourcePolicy: { policy: 'cross-origin' } };
      }
    });
  await app.register(helmet, {
    contentSecurityPolicy: csp(PAGE),
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
  });
}
