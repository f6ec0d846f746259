import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/**
 * Every answer carries its request's id in `X-Request-Id`: the caller's own when it sent a sane
 * one (letters, digits, `_` and `-`, at most 64; see `requestIdOf`), else the UUID we made. The
 * same id is in our log lines and in error bodies (`request_id`), so a customer quoting it lets
 * us find the request.
 */
export function echoRequestId(app: NestFastifyApplication): void {
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, reply, done) => {
      void reply.header('x-request-id', request.id);
      done();
    });
}
