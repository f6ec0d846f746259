import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';

import { aUserWithCredits } from '../support/factories';
import { freePort } from '../support/free-port';
import { startNode, waitForExit } from '../support/processes';
import { startTestApi } from '../support/test-app';
import { waitFor } from '../support/wait-for';

interface LogLine {
  level: number;
  name?: string;
  msg?: string;
  reqId?: string;
  req?: { method: string; url: string; route?: string; headers?: unknown };
  res?: { statusCode: number };
  responseTime?: number;
  [key: string]: unknown;
}

/** Forged webhooks logged per minute by the api under test. */
const REJECTIONS_LOGGED = 3;

/** The api as it runs in production: its own process, JSON lines on stdout. */
describe('api logs', () => {
  let api: { child: ChildProcess; output: () => string };
  let base: string;

  const lines = (): LogLine[] =>
    api
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine);

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    api = startNode('apps/api/src/main.js', {
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      API_PORT: String(port),
      PUBLIC_URL: base,
      // What production refuses to start without (fal-sim stands in for fal.ai here).
      UNSAFE_ALLOW_FAL_SIM_IN_PRODUCTION: 'true',
      METRICS_TOKEN: 'logging-test-metrics-token',
      FAL_WEBHOOK_SECRET: 'logging-test-webhook-secret-0123456789abcdef',
      WEBHOOK_REJECTIONS_RECORDED_PER_MINUTE: String(REJECTIONS_LOGGED),
    });
    await waitFor(
      () =>
        fetch(`${base}/health/live`).then(
          (r) => r.status,
          () => 0,
        ),
      (status) => status === 200,
      { timeoutMs: 30_000, describe: `the api to listen\n${api.output()}` },
    );
  });

  afterAll(async () => {
    api.child.kill('SIGTERM');
    await waitForExit(api.child, 20_000);
  });

  it('writes one line per request, with the proxy’s request id, and never the token', async () => {
    const res = await fetch(`${base}/api/me/`, {
      headers: {
        authorization: 'Token aig_not_a_real_token_1234567890',
        'x-request-id': 'trace-42',
      },
    });
    expect(res.status).toBe(401);

    const line = await waitFor(
      () => lines().find((l) => l.reqId === 'trace-42' && l.msg === 'request completed'),
      (l) => l !== undefined,
      { timeoutMs: 5_000, describe: 'the request line' },
    );
    expect(line).toMatchObject({
      name: 'api',
      level: 40, // warn: a client error
      req: { method: 'GET', url: '/api/me/' },
      res: { statusCode: 401 },
    });
    expect(typeof line!.responseTime).toBe('number');
    expect(lines().filter((l) => l.reqId === 'trace-42')).toHaveLength(1);
    expect(api.output()).not.toContain('aig_not_a_real_token');
  });

  it('never writes a query string: credentials in URLs stay out of the logs', async () => {
    // A real token, so the requests below get as far as they can (a 200, an authenticated route).
    const helper = await startTestApi();
    const { token } = await aUserWithCredits(helper.app, 0).finally(() => helper.close());
    const secret = `secret-${randomUUID()}`;
    const get = (path: string, id: string, headers: Record<string, string> = {}) =>
      fetch(`${base}${path}`, { headers: { 'x-request-id': id, ...headers } });

    expect(
      (await get(`/api/me/?x=${secret}`, 'query-1', { authorization: `Token ${token}` })).status,
    ).toBe(200);
    await get(`/api/ws?token=${token}`, 'query-2');
    await get(`/api/ws?ticket=${secret}`, 'query-3');
    await get(`/api/absent?x=${secret}`, 'query-4');

    const completed = await waitFor(
      () => lines().filter((l) => l.msg === 'request completed' && /^query-/.test(l.reqId ?? '')),
      (found) => found.length === 4,
      { timeoutMs: 5_000, describe: 'four request lines' },
    );
    expect(completed.find((l) => l.reqId === 'query-1')!.req).toEqual({
      method: 'GET',
      url: '/api/me/',
      route: '/api/me',
    });
    expect(completed.find((l) => l.reqId === 'query-2')!.req).toMatchObject({ url: '/api/ws' });
    expect(api.output()).not.toContain(token);
    expect(api.output()).not.toContain(secret);
  });

  it('gives each request its own id when no proxy set one, and stays quiet about probes', async () => {
    await fetch(`${base}/health/live`);
    await fetch(`${base}/api/nope`);
    await fetch(`${base}/api/nope`);
    const notFound = await waitFor(
      () => lines().filter((l) => l.req?.url === '/api/nope'),
      (found) => found.length === 2,
      { timeoutMs: 5_000, describe: 'two request lines' },
    );
    expect(notFound[0].reqId).toMatch(/^[0-9a-f-]{36}$/);
    expect(notFound[1].reqId).not.toBe(notFound[0].reqId);
    expect(lines().some((l) => l.req?.url?.startsWith('/health'))).toBe(false);
  });

  it('tags what the app logs while handling a request with that request’s id', async () => {
    // A forged webhook: the handler logs why it was rejected, then the 401 is logged.
    const res = await fetch(
      `${base}/api/infographs/webhook/00000000-0000-4000-8000-000000000000/`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'forged-1' },
        body: JSON.stringify({ request_id: 'r', status: 'OK', payload: {} }),
      },
    );
    expect(res.status).toBe(401);
    const tagged = await waitFor(
      () => lines().filter((l) => l.reqId === 'forged-1'),
      (found) => found.length === 2,
      { timeoutMs: 5_000, describe: 'the handler’s line and the request line' },
    );
    expect(tagged.map((l) => l.msg)).toEqual([
      expect.stringMatching(
        /webhook for 0{8}-.* rejected: missing x-fal-webhook-request-id header/,
      ),
      'request completed',
    ]);
  });

  it('logs only a sample of a flood of forged webhooks', async () => {
    // The test above spent one of this minute's sample; the flood must not add more than the rest.
    const forged = 40;
    for (let i = 0; i < forged; i += 1) {
      const res = await fetch(
        `${base}/api/infographs/webhook/00000000-0000-4000-8000-00000000000${i % 10}/`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-request-id': `flood-${i}` },
          body: JSON.stringify({ request_id: 'r', status: 'OK', payload: {} }),
        },
      );
      expect(res.status).toBe(401);
    }
    // A barrier, not a clock: one more request, always logged, whose line comes after every line
    // of the flood on the api's stdout.
    await fetch(`${base}/api/nope`, { headers: { 'x-request-id': 'after-the-flood' } });
    await waitFor(
      () => lines().some((l) => l.reqId === 'after-the-flood' && l.msg === 'request completed'),
      (seen) => seen,
      { describe: 'the request line after the flood' },
    );
    const flood = lines().filter((l) => /^flood-/.test(l.reqId ?? ''));
    const handlerLines = flood.filter((l) => /rejected/.test(l.msg ?? ''));
    const requestLines = flood.filter((l) => l.msg === 'request completed');
    // At most one window's sample (two if the minute turned during the loop).
    expect(handlerLines.length).toBeGreaterThanOrEqual(1);
    expect(handlerLines.length).toBeLessThanOrEqual(2 * REJECTIONS_LOGGED);
    expect(requestLines.length).toBe(handlerLines.length);
  });
});
