import type { ChildProcess } from 'node:child_process';

import { freePort } from '../support/free-port';
import { startNode, waitForExit } from '../support/processes';
import { waitFor } from '../support/wait-for';

interface LogLine {
  level: number;
  name?: string;
  msg?: string;
  reqId?: string;
  req?: { method: string; url: string; headers?: unknown };
  res?: { statusCode: number };
  responseTime?: number;
  [key: string]: unknown;
}

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
});
