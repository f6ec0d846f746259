import { ConfigError } from '@app/config';

import { aUserWithCredits } from '../support/factories';
import { TestApi, startTestApi, testConfig } from '../support/test-app';

/** What API clients expect of any HTTP API: rate-limit fields, a request id, CORS when asked. */
describe('rate-limit fields (draft-ietf-httpapi-ratelimit-headers-09)', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi({ RATE_LIMIT_CREATE_PER_MINUTE: '2' });
  });
  afterAll(() => api.close());

  it('says the policy and what is left on every create, and nothing left beside Retry-After on 429', async () => {
    const { token } = await aUserWithCredits(api.app, 10);
    const create = () =>
      api.request('POST', '/api/infographs/create/', { token, body: { prompt: 'p' } });

    const first = await create();
    expect(first.status).toBe(201);
    expect(first.headers.get('ratelimit-policy')).toBe('"create";q=2;w=60');
    const [, left, reset] = /^"create";r=(\d+);t=(\d+)$/.exec(first.headers.get('ratelimit')!)!;
    // A window may end between two creates, so the second can find a fresh one.
    expect(Number(left)).toBe(1);
    expect(Number(reset)).toBeGreaterThanOrEqual(1);
    expect(Number(reset)).toBeLessThanOrEqual(60);

    let refused = await create();
    if (refused.status === 201) {
      refused = await create();
    }
    if (refused.status === 201) {
      refused = await create();
    }
    expect(refused.status).toBe(429);
    const retryAfter = refused.headers.get('retry-after');
    expect(retryAfter).toMatch(/^\d+$/);
    expect(refused.headers.get('ratelimit')).toBe(`"create";r=0;t=${retryAfter}`);
    expect(refused.headers.get('ratelimit-policy')).toBe('"create";q=2;w=60');
  });
});

describe('request ids', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  it('answers every request with X-Request-Id, and puts the same id in error bodies', async () => {
    const ok = await api.request('GET', '/health/live');
    expect(ok.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

    const refused = await api.request('GET', '/api/me/');
    expect(refused.status).toBe(401);
    const id = refused.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(refused.body.request_id).toBe(id);
    expect(id).not.toBe(ok.headers.get('x-request-id'));
  });

  it('keeps a sane id the caller sent, and replaces one that is not', async () => {
    const given = await api.request('GET', '/api/me/', {
      headers: { 'x-request-id': 'client-req_42' },
    });
    expect(given.headers.get('x-request-id')).toBe('client-req_42');
    expect(given.body.request_id).toBe('client-req_42');

    for (const insane of ['has spaces', 'x'.repeat(65), '<script>']) {
      const replaced = await api.request('GET', '/api/me/', {
        headers: { 'x-request-id': insane },
      });
      expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(replaced.body.request_id).toBe(replaced.headers.get('x-request-id'));
    }
  });
});

describe('CORS', () => {
  const allowed = 'https://app.example.com';

  describe('with CORS_ORIGINS set', () => {
    let api: TestApi;

    beforeAll(async () => {
      api = await startTestApi({ CORS_ORIGINS: `${allowed}, HTTP://Localhost:5173` });
    });
    afterAll(() => api.close());

    it('answers a preflight from an allowed origin with 204 and what it may send, before auth', async () => {
      const res = await api.request('OPTIONS', '/api/infographs/create/', {
        headers: {
          origin: allowed,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type, idempotency-key',
        },
      });
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe(allowed);
      expect(res.headers.get('access-control-allow-methods')).toMatch(/\bPOST\b/);
      expect(res.headers.get('access-control-allow-headers')).toMatch(
        /Authorization.*Content-Type.*Idempotency-Key/,
      );
      expect(res.headers.get('access-control-max-age')).toBe('600');
      expect(res.headers.get('vary')).toMatch(/Origin/);
      // Token auth only: the session cookie is never sent cross-origin.
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    });

    it('lets an allowed origin read answers and their rate-limit and request-id fields', async () => {
      const { token } = await aUserWithCredits(api.app, 0);
      const res = await api.request('GET', '/api/me/', {
        token,
        headers: { origin: 'http://localhost:5173' },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
      expect(res.headers.get('access-control-expose-headers')).toMatch(
        /RateLimit.*RateLimit-Policy.*Retry-After.*X-Request-Id/,
      );
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    });

    it('gives another origin no CORS headers (the browser refuses), preflight included', async () => {
      const simple = await api.request('GET', '/api/me/', {
        headers: { origin: 'https://evil.example' },
      });
      expect(simple.headers.get('access-control-allow-origin')).toBeNull();
      const preflight = await api.request('OPTIONS', '/api/infographs/create/', {
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
      expect(preflight.headers.get('access-control-allow-methods')).toBeNull();
    });

    it('leaves the web page and the tools out of it', async () => {
      const res = await api.request('GET', '/health/live', { headers: { origin: allowed } });
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  it('is off by default: no CORS headers for any origin', async () => {
    const api = await startTestApi();
    try {
      const res = await api.request('OPTIONS', '/api/infographs/create/', {
        headers: { origin: allowed, 'access-control-request-method': 'POST' },
      });
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(res.status).not.toBe(204);
    } finally {
      await api.close();
    }
  });

  it('refuses a CORS_ORIGINS entry that is not an origin', () => {
    expect(() => testConfig({ CORS_ORIGINS: 'app.example.com' })).toThrow(ConfigError);
    expect(() => testConfig({ CORS_ORIGINS: 'https://app.example.com/path' })).toThrow(
      /CORS_ORIGINS must be/,
    );
  });
});
