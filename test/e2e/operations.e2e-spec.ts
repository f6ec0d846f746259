import { aUserWithCredits } from '../support/factories';
import { Flow, startFlow } from '../support/flow';
import { TestApi, httpRequest, startTestApi } from '../support/test-app';
import { waitFor } from '../support/wait-for';
import { HealthServer } from '../../apps/worker/src/health/health-server';

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** One sample's value from Prometheus text output (0 when absent). */
function sample(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

describe('queue dashboard', () => {
  it('is not mounted without ADMIN_PASSWORD', async () => {
    const api = await startTestApi();
    try {
      expect((await api.request('GET', '/admin/queues')).status).toBe(404);
    } finally {
      await api.close();
    }
  });

  describe('with admin credentials', () => {
    let api: TestApi;
    beforeAll(async () => {
      api = await startTestApi({ ADMIN_USER: 'ops', ADMIN_PASSWORD: 'correct-horse-battery' });
    });
    afterAll(() => api.close());

    it('refuses no credentials, wrong ones and a non-admin token', async () => {
      const { token } = await aUserWithCredits(api.app, 0);
      expect((await api.request('GET', '/admin/queues')).status).toBe(401);
      expect(
        (
          await api.request('GET', '/admin/queues', {
            headers: { authorization: basic('ops', 'wrong-password!!') },
          })
        ).status,
      ).toBe(401);
      const nonAdmin = await api.request('GET', '/admin/queues/api/queues', { token });
      expect(nonAdmin.status).toBe(401);
      expect(nonAdmin.headers.get('www-authenticate')).toMatch(/^Basic/);
    });

    it('lists the six queues for basic auth and for an admin token', async () => {
      const viaBasic = await api.request('GET', '/admin/queues/api/queues', {
        headers: { authorization: basic('ops', 'correct-horse-battery') },
      });
      expect(viaBasic.status).toBe(200);
      const names = (viaBasic.body.queues as { name: string }[]).map((q) => q.name).sort();
      expect(names).toEqual([
        'cancel',
        'customer-webhook',
        'notify',
        'reconcile',
        'submit',
        'upload',
      ]);
      const { token } = await aUserWithCredits(api.app, 0, { isAdmin: true });
      const page = await api.request('GET', '/admin/queues', { token });
      expect(page.status).toBe(200);
      expect(String(page.body)).toContain('<html');
    });
  });
});

describe('metrics, rate limits, docs, body limit', () => {
  let flow: Flow;

  beforeAll(async () => {
    flow = await startFlow({ RATE_LIMIT_CREATE_PER_MINUTE: '3' });
  });
  afterAll(() => flow.close());

  it('counts a create → completed run on the api and the worker, and a forged webhook', async () => {
    const { token } = await aUserWithCredits(flow.api.app, 2);
    const created = await flow.api.request('POST', '/api/infographs/create/', {
      token,
      body: { prompt: 'metrics' },
    });
    const id = created.body.infographs[0].id;
    await flow.waitForTerminal(token, id);
    await httpRequest(flow.api.url, 'POST', `/api/infographs/webhook/${id}/`, {
      body: { request_id: 'x', status: 'OK', payload: {} },
    });

    const api = (await flow.api.request('GET', '/metrics')).body as string;
    expect(sample(api, 'ainfographic_infographs_created_total')).toBeGreaterThanOrEqual(1);
    expect(
      sample(api, 'ainfographic_fal_webhook_deliveries_total{outcome="invalid_signature"}'),
    ).toBe(1);
    expect(
      sample(api, 'ainfographic_fal_webhook_deliveries_total{outcome="accepted"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(api).toMatch(
      /ainfographic_http_request_duration_seconds_count\{method="POST",route="\/api\/infographs\/create",status_code="201"\} \d+/,
    );
    expect(api).toMatch(/ainfographic_queue_jobs\{queue="submit",state="waiting"\} \d+/);

    const workerPort = flow.worker.get(HealthServer).port();
    const worker = (await httpRequest(`http://127.0.0.1:${workerPort}`, 'GET', '/metrics'))
      .body as string;
    expect(sample(worker, 'ainfographic_infographs_completed_total')).toBeGreaterThanOrEqual(1);
    expect(
      sample(worker, 'ainfographic_job_attempts_total{queue="submit"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(worker, 'ainfographic_generation_duration_seconds_count')).toBeGreaterThanOrEqual(
      1,
    );
  });

  it('answers a burst past the limit with 429 and Retry-After, charging only the allowed ones', async () => {
    const { token } = await aUserWithCredits(flow.api.app, 10);
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 5; i++) {
      const res = await flow.api.request('POST', '/api/infographs/create/', {
        token,
        body: { prompt: `burst ${i}` },
      });
      statuses.push(res.status);
      retryAfter ??= res.headers.get('retry-after');
    }
    expect(statuses).toEqual([201, 201, 201, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect((await flow.api.request('GET', '/api/credits/', { token })).body.balance).toBe(7);
  });

  it('refuses a body over the limit with 413', async () => {
    const { token } = await aUserWithCredits(flow.api.app, 1);
    const res = await flow.api.request('POST', '/api/infographs/create/', {
      token,
      body: { prompt: 'x'.repeat(300_000) },
    });
    expect(res.status).toBe(413);
    expect((await flow.api.request('GET', '/api/credits/', { token })).body.balance).toBe(1);
  });

  it('publishes OpenAPI listing every endpoint, with the token scheme', async () => {
    const doc = (await flow.api.request('GET', '/docs-json')).body;
    expect(Object.keys(doc.paths).sort()).toEqual(
      expect.arrayContaining([
        '/api/infographs/create',
        '/api/infographs/status/{id}',
        '/api/infographs',
        '/api/infographs/webhook/{id}',
        '/api/me',
        '/api/credits',
        '/health/live',
        '/health/ready',
      ]),
    );
    expect(doc.components.securitySchemes.token).toMatchObject({
      type: 'apiKey',
      name: 'Authorization',
    });
    expect((await flow.api.request('GET', '/docs')).status).toBe(200);
  });

  it('protects /metrics with METRICS_TOKEN when one is set', async () => {
    const api = await startTestApi({ METRICS_TOKEN: 'metrics-token-0123456789' });
    try {
      expect((await api.request('GET', '/metrics')).status).toBe(401);
      const scrape = () =>
        api.request('GET', '/metrics', {
          headers: { authorization: 'Bearer metrics-token-0123456789' },
        });
      expect((await scrape()).status).toBe(200);
      // Scraped again until the app's own series show (the default, generous timeout).
      await waitFor(scrape, (r) => r.status === 200 && String(r.body).includes('ainfographic_'), {
        describe: 'the app’s own metrics',
      });
    } finally {
      await api.close();
    }
  });
});
