import type { FastifyInstance } from 'fastify';

/** Every body but create's: fal's webhook deliveries are a few kB; this leaves them ample room. */
export const BODY_LIMIT_BYTES = 256 * 1024;

/**
 * The largest valid create body, written by an encoder that escapes every character as \uXXXX
 * (6 bytes per UTF-16 unit):
 * - prompt: 4000 characters as the validator counts them, and it counts an emoji with a variation
 *   selector as one: 3 units, 18 bytes each, 72,000 bytes;
 * - blog_url: isURL refuses more than 2084 units, 12,504 bytes;
 * - the keys escaped too (56 characters, 336 bytes), aspect_ratio (4 characters, 24 bytes),
 *   resolution (12), number_of_infographs (1) and the punctuation (~30): about 84,900 bytes.
 * 96 KiB leaves ~13 kB for whitespace; anything bigger cannot be a valid create.
 */
export const CREATE_BODY_LIMIT_BYTES = 96 * 1024;

const ROUTE_BODY_LIMITS: Record<string, number> = {
  'POST /api/infographs/create': CREATE_BODY_LIMIT_BYTES,
};

/**
 * Gives routes their own body limit (Nest has no decorator for Fastify's `bodyLimit`): the bytes
 * are refused with 413 while they arrive, before they are buffered, parsed or validated. Must be
 * added before Nest registers its routes (`app.init()`).
 */
export function limitRouteBodies(fastify: FastifyInstance): void {
  fastify.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      const limit = ROUTE_BODY_LIMITS[`${method} ${route.url.replace(/\/+$/, '')}`];
      if (limit !== undefined) {
        route.bodyLimit = limit;
      }
    }
  });
}
