import type { AppConfig } from '@app/config';
import Fastify, { FastifyInstance } from 'fastify';

import { RequestLogController, createRootLogger } from './logging';

const SECRET = 'aig_secret_in_the_query_0123456789';

/** A Fastify with the api's logger and log controller, writing its lines into an array. */
function loggedFastify(): {
  fastify: Pick<FastifyInstance, 'inject' | 'close' | 'log'>;
  lines: () => Record<string, any>[];
} {
  const written: string[] = [];
  const logger = createRootLogger({ env: 'production', logLevel: 'info' } as AppConfig, 'api', {
    write: (line: string) => void written.push(line),
  });
  const fastify = Fastify({
    loggerInstance: logger,
    logController: new RequestLogController(),
    routerOptions: { ignoreTrailingSlash: true },
  });
  fastify.get('/api/things/:id', () => ({ ok: true }));
  fastify.get('/api/broken', () => {
    throw new Error('handler failed');
  });
  return { fastify, lines: () => written.map((line) => JSON.parse(line) as Record<string, any>) };
}

describe('request logging', () => {
  it('logs the path and the matched route, never the query string', async () => {
    const { fastify, lines } = loggedFastify();
    const res = await fastify.inject(`/api/things/42/?token=${SECRET}&x=secret-value`);
    expect(res.statusCode).toBe(200);

    const completed = lines().filter((l) => l.msg === 'request completed');
    expect(completed).toHaveLength(1);
    expect(completed[0].req).toEqual({
      method: 'GET',
      url: '/api/things/42/',
      route: '/api/things/:id',
    });
    await fastify.close();
  });

  it("keeps the query out of Fastify's own lines: not found, errors", async () => {
    const { fastify, lines } = loggedFastify();
    expect((await fastify.inject(`/nope?token=${SECRET}`)).statusCode).toBe(404);
    expect((await fastify.inject(`/api/broken?token=${SECRET}`)).statusCode).toBe(500);
    // How @fastify/websocket reports an upgrade to a path without a WebSocket handler.
    fastify.log.info({ path: `/api/me?ticket=${SECRET}` }, 'closed incoming websocket connection');

    const text = JSON.stringify(lines());
    expect(lines().length).toBeGreaterThanOrEqual(3);
    expect(text).toContain('/api/broken');
    expect(text).toContain('/nope');
    expect(text).toContain('"path":"/api/me"');
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('?');
    await fastify.close();
  });
});
