import type { FastifyInstance } from 'fastify';

import { HttpExceptionFilter } from './http-exception.filter';

/**
 * Fastify answers what fails before a route's handler runs (malformed JSON, a body over the
 * limit, an unknown content type) with the error handler the route was added under, and Nest sets
 * its own only after adding its routes, so those answers had Fastify's default body (`code:
 * "FST_ERR_…"`), not our error shape. This gives every route the filter's answer as its own error
 * handler (per route: setting the server's handler twice makes Fastify warn). Call it before any
 * route is added.
 */
export function answerFastifyErrors(fastify: FastifyInstance): void {
  const filter = new HttpExceptionFilter();
  fastify.addHook('onRoute', (route) => {
    route.errorHandler ??= (error, request, reply) => filter.answer(error, request, reply);
  });
}
