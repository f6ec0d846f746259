import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';

import WebSocket from 'ws';

import { aUserWithCredits } from '../support/factories';
import { assertLedgerConsistent } from '../support/ledger';
import { TestApi, startTestApi } from '../support/test-app';

/** What a hostile client sees: status and the size of the raw answer, not only its JSON. */
async function rawPost(
  api: TestApi,
  path: string,
  token: string,
  body: string,
): Promise<{ status: number; bytes: number; json: any }> {
  const response = await fetch(`${api.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Token ${token}`, 'content-type': 'application/json' },
    body,
  });
  const text = await response.text();
  return { status: response.status, bytes: Buffer.byteLength(text), json: JSON.parse(text) };
}

const messageOf = (json: any): string => String(json.message);

describe('create bodies are bounded before validation', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
  });
  afterEach(() => assertLedgerConsistent(api.dataSource));
  afterAll(() => api.close());

  it('answers 20,000 unknown keys with a small 4xx that says what is wrong, charging nothing', async () => {
    const { token } = await aUserWithCredits(api.app, 1);
    const body: Record<string, unknown> = { prompt: 'p' };
    for (let i = 0; i < 20_000; i++) {
      body[`k${i}`] = 0;
    }
    const res = await rawPost(api, '/api/infographs/create/', token, JSON.stringify(body));
    expect([400, 413]).toContain(res.status);
    expect(res.bytes).toBeLessThan(2048);
    expect(messageOf(res.json)).toMatch(/too large|more than \d+ keys/);
    expect((await api.request('GET', '/api/credits/', { token })).body.balance).toBe(1);
  });

  it('refuses an object with too many keys with 400 naming the limit, even under the size limit', async () => {
    const { token } = await aUserWithCredits(api.app, 1);
    const body: Record<string, unknown> = { prompt: 'p' };
    for (let i = 0; i < 2_000; i++) {
      body[`k${i}`] = 0;
    }
    const res = await rawPost(api, '/api/infographs/create/', token, JSON.stringify(body));
    expect(res.status).toBe(400);
    expect(res.bytes).toBeLessThan(2048);
    expect(messageOf(res.json)).toMatch(/more than \d+ keys/);
  });

  it('keeps validation errors short: a few messages, each bounded', async () => {
    const { token } = await aUserWithCredits(api.app, 1);
    const body: Record<string, unknown> = { prompt: 'p' };
    for (let i = 0; i < 30; i++) {
      body[`${'x'.repeat(3_000)}${i}`] = 0;
    }
    const res = await rawPost(api, '/api/infographs/create/', token, JSON.stringify(body));
    expect(res.status).toBe(400);
    expect(res.bytes).toBeLessThan(2048);
    expect(messageOf(res.json)).toMatch(/unknown field/);
  });

  it('reports each invalid field once, with its first problem (stopAtFirstError)', async () => {
    const { token } = await aUserWithCredits(api.app, 1);
    const res = await api.request('POST', '/api/infographs/create/', {
      token,
      body: { prompt: 42, number_of_infographs: '2' },
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe(
      'prompt: prompt must be a string; number_of_infographs: number_of_infographs must be a whole number',
    );
    expect(res.body.details).toEqual([
      { field: 'prompt', message: 'prompt must be a string' },
      { field: 'number_of_infographs', message: 'number_of_infographs must be a whole number' },
    ]);
  });

  it('still accepts the largest valid body: every character escaped, emoji with variation selectors', async () => {
    const { token } = await aUserWithCredits(api.app, 2);
    // The validator counts an emoji with a variation selector as one character: three UTF-16 code
    // units, 18 bytes escaped. 4000 of them in the prompt, and a blog URL at isURL's 2084 units.
    const emoji = '\\ud83d\\ude00\\ufe0f';
    const bodies = [
      `{"prompt":"${'\\u00e9'.repeat(4000)}"}`,
      `{"prompt":"${emoji.repeat(4000)}","blog_url":"https://example.com/${emoji.repeat(688)}"}`,
    ];
    for (const body of bodies) {
      const res = await rawPost(api, '/api/infographs/create/', token, body);
      expect([body.length, res.status]).toEqual([body.length, 201]);
    }
  });
});

/**
 * Starts a webhook POST on a raw connection and never finishes it: `drip` sends one byte of the
 * announced 1000-byte body every 200 ms, `silent` stops in the middle of the headers. Resolves
 * with what ended it (the server's status line, or 'closed'); bounded, it fails after 15 s.
 */
function untilServerEnds(port: number, mode: 'drip' | 'silent'): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    let drips = 0;
    const giveUp = setTimeout(
      () => finish(new Error(`${mode} connection still open after 15 s (${drips} drips)`)),
      15_000,
    );
    const drip =
      mode === 'drip'
        ? setInterval(() => {
            drips++;
            socket.write(' ');
          }, 200)
        : undefined;
    function finish(result: string | Error): void {
      clearTimeout(giveUp);
      clearInterval(drip);
      socket.destroy();
      if (result instanceof Error) {
        reject(result);
      } else {
        resolve(result);
      }
    }
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (received.includes('\r\n\r\n')) {
        finish(received.split('\r\n')[0]);
      }
    });
    socket.on('error', () => finish('closed'));
    socket.on('close', () => finish(received ? received.split('\r\n')[0] : 'closed'));
    const head = `POST /api/infographs/webhook/${randomUUID()}/ HTTP/1.1\r\nHost: 127.0.0.1\r\n`;
    socket.write(
      mode === 'drip'
        ? `${head}Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n`
        : head,
    );
  });
}

describe('slow requests are timed out', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi({ HTTP_REQUEST_TIMEOUT_MS: '1500' });
  });
  afterAll(() => api.close());

  it('answers 408 or closes a connection that drips a webhook body', async () => {
    const outcome = await untilServerEnds(Number(new URL(api.url).port), 'drip');
    expect(outcome).toMatch(/^(HTTP\/1\.1 408|closed$)/);
  });

  it('leaves WebSocket connections open past the request timeout', async () => {
    const { token } = await aUserWithCredits(api.app, 0);
    const socket = new WebSocket(`${api.url.replace(/^http/, 'ws')}/api/ws`, {
      headers: { authorization: `Token ${token}` },
      handshakeTimeout: 5000,
    });
    try {
      await new Promise((resolve, reject) => {
        socket.once('open', resolve);
        socket.once('error', reject);
      });
      // A barrier, not a clock: two plain connections opened after the socket, one dripping its
      // body and one silent mid-headers, are ended by the server's request and idle timeouts.
      // Their deadlines fall after the socket's, so either timeout would have closed it by then.
      const port = Number(new URL(api.url).port);
      await Promise.all([untilServerEnds(port, 'drip'), untilServerEnds(port, 'silent')]);
      expect(socket.readyState).toBe(WebSocket.OPEN);
      const pong = new Promise<string>((resolve) => socket.once('pong', () => resolve('pong')));
      socket.ping();
      await expect(
        Promise.race([pong, new Promise((_, reject) => setTimeout(reject, 5_000, 'no pong'))]),
      ).resolves.toBe('pong');
    } finally {
      socket.terminate();
    }
  });
});

describe('security headers', () => {
  const PATHS = ['/', '/docs', '/api/me/', '/health/live'];

  it('are sent on the page, the docs and the API, without HSTS over http', async () => {
    const api = await startTestApi();
    try {
      for (const path of PATHS) {
        const res = await fetch(`${api.url}${path}`);
        await res.arrayBuffer(); // read to the end, so no answer is left half-sent at close
        const csp = res.headers.get('content-security-policy') ?? '';
        expect([path, res.headers.get('x-content-type-options')]).toEqual([path, 'nosniff']);
        expect([path, res.headers.get('x-frame-options')]).toEqual([path, 'DENY']);
        expect([path, res.headers.get('referrer-policy')]).toEqual([path, 'no-referrer']);
        expect([path, csp]).toEqual([path, expect.stringContaining("frame-ancestors 'none'")]);
        expect([path, csp]).toEqual([path, expect.stringMatching(/script-src 'self'(;|$)/)]);
        expect([path, csp]).toEqual([path, expect.stringContaining("object-src 'none'")]);
        expect([path, res.headers.get('strict-transport-security')]).toEqual([path, null]);
      }
      // The page itself allows no inline style either; only the docs' Swagger UI needs it.
      const page = await fetch(`${api.url}/`);
      await page.arrayBuffer();
      expect(page.headers.get('content-security-policy')).toMatch(/style-src 'self'(;|$)/);
    } finally {
      await api.close();
    }
  });

  it('adds HSTS when the public URL is https', async () => {
    const api = await startTestApi({ PUBLIC_API_URL: 'https://api.example.com' });
    try {
      for (const path of PATHS) {
        const res = await fetch(`${api.url}${path}`);
        await res.arrayBuffer();
        expect([path, res.headers.get('strict-transport-security')]).toEqual([
          path,
          expect.stringMatching(/^max-age=\d{8}; includeSubDomains$/),
        ]);
      }
    } finally {
      await api.close();
    }
  });
});
