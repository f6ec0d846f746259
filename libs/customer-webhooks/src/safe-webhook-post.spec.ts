import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { postWebhook } from './safe-webhook-post';

/** A real listener on loopback: what reaches it is what the checks let through. */
describe('postWebhook', () => {
  let server: Server;
  let port: number;
  const hits: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push(req.url ?? '');
      if (req.url === '/redirect') {
        res.writeHead(302, { location: `http://127.0.0.1:${port}/target` }).end();
      } else {
        res.writeHead(200).end('ok');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  beforeEach(() => hits.splice(0));
  afterAll(() => new Promise((r) => server.close(r)));

  const options = { timeoutMs: 2000, allowInsecure: false, userAgent: 'test' };

  it.each([
    ['a loopback literal', () => `https://127.0.0.1:${port}/`],
    [
      'a name that resolves to loopback (checked in the connection’s own lookup)',
      () => `https://localhost:${port}/`,
    ],
  ])('never connects to %s', async (_what, url) => {
    const result = await postWebhook(url(), '{}', {}, options);
    expect(result.statusCode).toBeNull();
    expect(result.error).toMatch(/not a public internet address/);
    expect(hits).toEqual([]);
  });

  it('refuses plain http unless allowed', async () => {
    const result = await postWebhook(`http://127.0.0.1:${port}/`, '{}', {}, options);
    expect(result.error).toMatch(/not https/);
    expect(hits).toEqual([]);
  });

  it('posts when allowed (tests), and does not follow a redirect', async () => {
    const insecure = { ...options, allowInsecure: true };
    expect(await postWebhook(`http://127.0.0.1:${port}/ok`, '{}', {}, insecure)).toMatchObject({
      statusCode: 200,
      error: null,
    });
    const redirected = await postWebhook(`http://127.0.0.1:${port}/redirect`, '{}', {}, insecure);
    expect(redirected).toMatchObject({
      statusCode: 302,
      error: expect.stringMatching(/not followed/),
    });
    expect(hits).toEqual(['/ok', '/redirect']);
  });
});
