import type { FastifyInstance } from 'fastify';

/**
 * Lets in-flight requests finish on shutdown without keep-alive holding the process open.
 * Fastify's close stops accepting, closes the idle connections and waits for the others; but a
 * request still arriving when it starts was answered `Connection: keep-alive`, so its connection
 * stayed open until HTTP_KEEP_ALIVE_TIMEOUT_MS and the api exited that much later (or was killed
 * by the orchestrator first). Once closing, every answer says `Connection: close`, and a
 * connection whose answer has gone out is ended (an answer already under way when close began).
 * Must be added before Nest registers its routes (`app.init()`).
 */
export function closeConnectionsOnShutdown(fastify: FastifyInstance): void {
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (closing && !reply.raw.headersSent) {
      void reply.header('connection', 'close');
    }
    done(null, payload);
  });
  fastify.addHook('onResponse', (request, _reply, done) => {
    if (closing) {
      request.raw.socket?.end();
    }
    done();
  });
}
