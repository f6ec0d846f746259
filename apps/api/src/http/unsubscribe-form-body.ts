import { type FastifyInstance, errorCodes } from 'fastify';

/** The route RFC 8058 one-click unsubscribe POSTs to (and the confirmation page's form). */
export const UNSUBSCRIBE_ROUTE = /^\/api\/notifications\/unsubscribe\/?$/;
/** `List-Unsubscribe=One-Click` and a little room; nothing in it is read. */
const MAX_FORM_BYTES = 1024;

/**
 * A mail client's one-click unsubscribe (RFC 8058) POSTs `List-Unsubscribe=One-Click` as
 * `application/x-www-form-urlencoded` (parsed by Nest's own parser, like on every route) or as
 * `multipart/form-data`, which nothing else here takes: multipart is accepted on that route only
 * (its content ignored: the signed token in the URL says everything), and every other route
 * refuses it as before (415, as for any type without a parser).
 */
export function acceptUnsubscribeMultipart(fastify: FastifyInstance): void {
  fastify.addContentTypeParser('multipart/form-data', (request, payload, done) => {
    if (!UNSUBSCRIBE_ROUTE.test(request.routeOptions.url ?? '')) {
      done(
        new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE(request.headers['content-type']),
        undefined,
      );
      return;
    }
    let size = 0;
    let answered = false;
    const answer = (error: Error | null): void => {
      if (!answered) {
        answered = true;
        done(error, error ? undefined : {});
      }
    };
    payload.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_FORM_BYTES) {
        payload.destroy();
        answer(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
      }
    });
    payload.on('end', () => answer(null));
    payload.on('error', (error) => answer(error));
  });
}
