import { FastifyInstance, FastifyRequest } from 'fastify';

import { HttpError } from './http-error';
import { SimContext } from './sim-context';

/** Public, unauthenticated like fal's own: generated files and the webhook signing keys. */
export function registerPublicRoutes(app: FastifyInstance, ctx: SimContext): void {
  app.get('/.well-known/jwks.json', () =>
    ctx.signer.jwks({ bare: ctx.faults.current.jwksBareKeys }),
  );

  app.get('/files/:name', (request: FastifyRequest<{ Params: { name: string } }>, reply) => {
    const body = ctx.store.getFile(request.params.name);
    if (!body) {
      throw new HttpError(404, 'File not found');
    }
    // Fastify adds Content-Length for a Buffer body.
    void reply.header('content-type', 'image/png').header('cache-control', 'public, max-age=3600');
    return body;
  });
}
