import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { failureMessage } from '@app/infographs';
import { SCRAPER_OPTIONS, type ScraperOptions } from '@app/scraper';

import { aUserWithCredits } from '../support/factories';
import { forgedWebhookHeaders } from '../support/fal-webhook-signing';
import { Flow, startFlow } from '../support/flow';
import { assertLedgerConsistent } from '../support/ledger';
import { httpRequest } from '../support/test-app';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

describe('generation flow: create → submit → webhook → upload → completed', () => {
  let flow: Flow;
  let blog: Server;
  let blogUrl: string;

  beforeAll(async () => {
    blog = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        '<html><head><title>Solar power in 2026</title></head><body><article><h1>Solar power in 2026</h1>' +
          '<p>Solar capacity grew by a third this year, led by rooftop installations in cities.</p>' +
          '<p>Storage costs fell again, making evening supply cheaper than gas in many markets.</p></article></body></html>',
      );
    });
    await new Promise<void>((r) => blog.listen(0, '127.0.0.1', r));
    const port = (blog.address() as AddressInfo).port;
    blogUrl = `http://127.0.0.1:${port}/post`;
    flow = await startFlow({ SCRAPER_ALLOW_PRIVATE_HOSTS: `127.0.0.1:${port}` });
  });
  afterEach(() => assertLedgerConsistent(flow.api.dataSource));
  afterAll(async () => {
    await flow.close();
    await new Promise((r) => blog.close(r));
  });

  it('makes one infograph: pending at once, then completed with the image in our storage', async () => {
    const { token } = await aUserWithCredits(flow.api.app, 5);
    const created = await flow.api.request('POST', '/api/infographs/create/', {
      token,
      body: {
        prompt: 'A modern infographic about AI',
        aspect_ratio: '16/9',
        resolution: '1K',
        number_of_infographs: 1,
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ total_submitted: 1, credits_used: 1 });
    const [item] = created.body.infographs;
    expect(item).toMatchObject({ request_id: null, status: 'pending' });
    expect(item.status_url).toMatch(new RegExp(`/api/infographs/status/${item.id}/$`));

    const done = await flow.waitForTerminal(token, item.id);
    expect(done).toMatchObject({ status: 'completed', error_message: null, aspect_ratio: '16:9' });
    const image = await fetch(done.image_url!);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await image.arrayBuffer()).subarray(0, 4)).toEqual(PNG_SIGNATURE);
    expect((await flow.api.request('GET', '/api/credits/', { token })).body.balance).toBe(4);
  });

  it('makes four from one request with a blog post, which is scraped into the prompt', async () => {
    const { token } = await aUserWithCredits(flow.api.app, 10);
    const created = await flow.api.request('POST', '/api/infographs/create', {
      token,
      body: {
        prompt: 'Summarise this post',
        blog_url: blogUrl,
        aspect_ratio: '9:16',
        resolution: '4K',
        number_of_infographs: 4,
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.credits_used).toBe(8);
    const ids = (created.body.infographs as { id: string }[]).map((i) => i.id);
    for (const id of ids) {
      expect(await flow.waitForTerminal(token, id)).toMatchObject({
        status: 'completed',
        resolution: '4K',
      });
    }
    const prompts = await flow.api.dataSource.query<{ enhanced_prompt: string }[]>(
      `SELECT enhanced_prompt FROM infographs WHERE id = ANY($1)`,
      [ids],
    );
    for (const p of prompts) {
      expect(p.enhanced_prompt).toContain('Solar power in 2026');
      expect(p.enhanced_prompt).toContain('Storage costs fell again');
    }
    const history = await flow.api.request('GET', '/api/infographs/?status=completed&limit=2', {
      token,
    });
    expect(history.body.items).toHaveLength(2);
    const next = await flow.api.request(
      'GET',
      `/api/infographs/?status=completed&limit=10&cursor=${history.body.next_cursor}`,
      {
        token,
      },
    );
    expect(
      [...history.body.items, ...next.body.items].map((i: { id: string }) => i.id).sort(),
    ).toEqual([...ids].sort());
    expect(next.body.next_cursor).toBeNull();
  });

  it('fails and refunds once when fal fails the generation', async () => {
    const { token } = await aUserWithCredits(flow.api.app, 2);
    const created = await flow.api.request('POST', '/api/infographs/create/', {
      token,
      body: { prompt: 'Broken [sim:fail]' },
    });
    const done = await flow.waitForTerminal(token, created.body.infographs[0].id);
    // What the user reads is written for them: fal's own words stay in the logs.
    expect(done).toMatchObject({
      status: 'failed',
      error_code: 'generation_failed',
      error_message: failureMessage('generation_failed'),
    });
    const credits = await flow.api.request('GET', '/api/credits/', { token });
    expect(credits.body.balance).toBe(2);
    expect(
      credits.body.entries.filter((e: { reason: string }) => e.reason === 'refund'),
    ).toHaveLength(1);
  });

  it('fails an NSFW-flagged result with a clear reason and a refund', async () => {
    const { token } = await aUserWithCredits(flow.api.app, 1);
    const created = await flow.api.request('POST', '/api/infographs/create/', {
      token,
      body: { prompt: 'x [sim:nsfw]' },
    });
    const done = await flow.waitForTerminal(token, created.body.infographs[0].id);
    expect(done).toMatchObject({
      status: 'failed',
      error_code: 'content_blocked',
      error_message: failureMessage('content_blocked'),
    });
  });

  it('retries a submit that fails twice and charges once', async () => {
    const { token } = await aUserWithCredits(flow.api.app, 1);
    const created = await flow.api.request('POST', '/api/infographs/create/', {
      token,
      body: { prompt: 'flaky [sim:submit-fail-2]' },
    });
    expect((await flow.waitForTerminal(token, created.body.infographs[0].id)).status).toBe(
      'completed',
    );
    expect((await flow.api.request('GET', '/api/credits/', { token })).body.balance).toBe(0);
  });

  it('completes through the reconciler when the webhook is lost', async () => {
    const { token } = await aUserWithCredits(flow.api.app, 1);
    const created = await flow.api.request('POST', '/api/infographs/create/', {
      token,
      body: { prompt: 'quiet [sim:lost]' },
    });
    expect((await flow.waitForTerminal(token, created.body.infographs[0].id, 30_000)).status).toBe(
      'completed',
    );
  });

  it('fails a blog URL on a private address with a clear message and a refund', async () => {
    const { token } = await aUserWithCredits(flow.api.app, 1);
    const created = await flow.api.request('POST', '/api/infographs/create/', {
      token,
      body: { prompt: 'p', blog_url: 'http://169.254.169.254/latest/meta-data' },
    });
    const done = await flow.waitForTerminal(token, created.body.infographs[0].id);
    expect(done).toMatchObject({
      status: 'failed',
      error_code: 'blog_blocked',
      error_message: expect.stringMatching(/^The blog post at 169\.254\.169\.254 can't be used/),
    });
    expect((await flow.api.request('GET', '/api/credits/', { token })).body.balance).toBe(1);
  });

  it('fails a blog whose host does not exist at once: one attempt, a clear message, a refund', async () => {
    // The worker's resolver is swapped for one that answers like getaddrinfo does for an unknown
    // name, so no DNS query leaves the machine; it also counts how often the worker asked.
    const options = flow.worker.get<ScraperOptions>(SCRAPER_OPTIONS, { strict: false });
    const lookups: string[] = [];
    options.resolver = (host) => {
      lookups.push(host);
      return Promise.reject(
        Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }),
      );
    };
    try {
      const { token } = await aUserWithCredits(flow.api.app, 1);
      const created = await flow.api.request('POST', '/api/infographs/create/', {
        token,
        body: { prompt: 'p', blog_url: 'https://nonexistent.invalid/post' },
      });
      const done = await flow.waitForTerminal(token, created.body.infographs[0].id);
      expect(done).toMatchObject({ status: 'failed', error_code: 'blog_unreachable' });
      // JOB_ATTEMPTS is 3 in the flow: a retried failure would have looked the host up 3 times.
      expect(lookups).toEqual(['nonexistent.invalid']);
      expect(done.error_message).toMatch(
        /^We couldn't reach the blog post at nonexistent\.invalid\. Your credits were refunded/,
      );
      expect((await flow.api.request('GET', '/api/credits/', { token })).body.balance).toBe(1);
    } finally {
      delete options.resolver;
    }
  });

  it('hides another user’s infograph behind a 404', async () => {
    const alice = await aUserWithCredits(flow.api.app, 1);
    const bob = await aUserWithCredits(flow.api.app, 0);
    const created = await flow.api.request('POST', '/api/infographs/create/', {
      token: alice.token,
      body: { prompt: 'mine' },
    });
    const id = created.body.infographs[0].id;
    expect(
      (await flow.api.request('GET', `/api/infographs/status/${id}/`, { token: bob.token })).status,
    ).toBe(404);
    expect(
      (await flow.api.request('GET', '/api/infographs/', { token: bob.token })).body.items,
    ).toEqual([]);
    await flow.waitForTerminal(alice.token, id);
  });

  it('refuses unsigned and forged webhooks without changing anything', async () => {
    const { token } = await aUserWithCredits(flow.api.app, 1);
    const created = await flow.api.request('POST', '/api/infographs/create/', {
      token,
      body: { prompt: 'guarded' },
    });
    const id = created.body.infographs[0].id;
    const forged = await httpRequest(flow.api.url, 'POST', `/api/infographs/webhook/${id}/`, {
      body: { images: [{ url: 'https://evil.example/x.png' }] },
    });
    expect(forged.status).toBe(401);
    const signedLooking = await httpRequest(
      flow.api.url,
      'POST',
      `/api/infographs/webhook/${id}/`,
      {
        body: { request_id: 'r', status: 'OK', payload: { images: [] } },
        headers: forgedWebhookHeaders('r'),
      },
    );
    expect(signedLooking.status).toBe(401);
    const done = await flow.waitForTerminal(token, id);
    expect(done.status).toBe('completed');
    expect(done.image_url).not.toContain('evil.example');
  });
});
