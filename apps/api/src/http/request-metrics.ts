import { Metrics } from '@app/observability';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** Observes every response's duration by route pattern (not raw URL, which would explode labels). */
export function observeRequestDurations(app: NestFastifyApplication): void {
  const histogram = app.get(Metrics).httpRequestDuration;
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onResponse', (request, reply, done) => {
      histogram.observe(
        {
          method: request.method,
          route: request.routeOptions.url ?? 'unmatched',
          status_code: String(reply.statusCode),
        },
        reply.elapsedTime / 1000,
      );
      done();
    });
}
