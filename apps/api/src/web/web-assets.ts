import { existsSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';

import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** Hashed file names (`app-3KQ5ZJ2M.js`) never change content, so browsers may keep them for good. */
const HASHED_ASSET = /-[A-Z0-9]{8}\.(?:js|css|svg|png|woff2)$/;
const LONG_CACHE = 'public, max-age=31536000, immutable';
/** Everything else (index.html above all) is revalidated, so a deploy is seen at the next load. */
const REVALIDATE = 'no-cache';

export const NOT_BUILT_MESSAGE =
  'The web page is not built yet: run `npm run build` (or `node apps/web/build.mjs`), then restart the api.\n';

/**
 * `dist/web` of the repository, found from this file whether it runs from source (tests) or from
 * `dist/apps/api/src/web` (production): the first folder up with a package.json is the root.
 */
export function defaultWebRoot(from: string = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) {
      return join(process.cwd(), 'dist', 'web');
    }
    dir = parent;
  }
  return join(dir, 'dist', 'web');
}

/**
 * Serves the built page at `/`. One exact route per file (`wildcard: false`) rather than `/*`, so
 * the page can never shadow `/api`, `/files`, `/health`, `/docs`, `/metrics` or `/admin`, and an
 * unknown path still gets the api's JSON 404. Files are listed once, at start-up: rebuild, restart.
 */
export async function registerWebAssets(fastify: FastifyInstance, root: string): Promise<void> {
  if (!existsSync(join(root, 'index.html'))) {
    fastify.get('/', (_request, reply) =>
      reply
        .code(503)
        .header('content-type', 'text/plain; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(NOT_BUILT_MESSAGE),
    );
    return;
  }
  await fastify.register(fastifyStatic, {
    root,
    prefix: '/',
    wildcard: false,
    // Other plugins may register @fastify/static too; only one may add `reply.sendFile`.
    decorateReply: false,
    dotfiles: 'ignore',
    cacheControl: false,
    // Security headers (the page's CSP among them) come from http/security-headers.ts, as for
    // every other answer of the api.
    setHeaders: (reply, path) => {
      void reply.header('cache-control', HASHED_ASSET.test(path) ? LONG_CACHE : REVALIDATE);
      if (path.endsWith(`${sep}sw.js`)) {
        // The service worker controls the whole page, from /; browsers check for a new one at
        // every navigation (no-cache above), so a deploy reaches installed apps too.
        void reply.header('service-worker-allowed', '/');
      } else if (path.endsWith('.webmanifest')) {
        void reply.header('content-type', 'application/manifest+json; charset=utf-8');
      }
    },
  });
}
