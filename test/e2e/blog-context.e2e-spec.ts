import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { aUserWithCredits } from '../support/factories';
import { Flow, startFlow } from '../support/flow';
import { failedReasonOf } from '../support/job-failure';
import { assertLedgerConsistent } from '../support/ledger';

/**
 * README flow step 2: "the blog is scraped once per request", shared by the request's
 * infographs. The blog answers slowly so the request's four submit jobs (which run at once) are
 * all waiting on it together; the server counts what reached it.
 */
describe('blog context: one scrape per create request', () => {
  let flow: Flow;
  let blog: Server;
  let origin: string;
  const hits = new Map<string, number>();

  beforeAll(async () => {
    blog = createServer((req, res) => {
      const path = req.url ?? '/';
      hits.set(path, (hits.get(path) ?? 0) + 1);
      setTimeout(() => {
        if (path.startsWith('/missing')) {
          res.writeHead(404, { 'content-type': 'text/html' });
          res.end('<html><body>Not here</body></html>');
          return;
        }
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(
          '<html><head><title>Tidal energy explained</title></head><body><article>' +
            '<h1>Tidal energy explained</h1>' +
            '<p>Tidal turbines turn twice a day, every day, as predictably as the moon moves.</p>' +
            '</article></body></html>',
        );
      }, 300);
    });
    await new Promise<void>((r) => blog.listen(0, '127.0.0.1', r));
    const port = (blog.address() as AddressInfo).port;
    origin = `http://127.0.0.1:${port}`;
    flow = await startFlow({ SCRAPER_ALLOW_PRIVATE_HOSTS: `127.0.0.1:${port}` });
  });
  afterEach(() => assertLedgerConsistent(flow.api.dataSource));
  afterAll(async () => {
    await flow?.close();
    await new Promise((r) => blog.close(r));
  });

  async function createFour(blogPath: string): Promise<{ token: string; ids: string[] }> {
    const { token } = await aUserWithCredits(flow.api.app, 4);
    const created = await flow.api.request('POST', '/api/infographs/create/', {
      token,
      body: {
        prompt: 'Explain this post',
        blog_url: `${origin}${blogPath}`,
        number_of_infographs: 4,
      },
    });
    expect(created.status).toBe(201);
    return { token, ids: (created.body.infographs as { id: string }[]).map((i) => i.id) };
  }

  it('fetches the blog once for a four-image request and puts it in every prompt', async () => {
    const { token, ids } = await createFour('/post');
    for (const id of ids) {
      expect((await flow.waitForTerminal(token, id)).status).toBe('completed');
    }
    expect(hits.get('/post')).toBe(1);
    const rows = await flow.api.dataSource.query<{ enhanced_prompt: string }[]>(
      `SELECT enhanced_prompt FROM infographs WHERE id = ANY($1)`,
      [ids],
    );
    expect(rows).toHaveLength(4);
    for (const row of rows) {
      expect(row.enhanced_prompt).toContain('Tidal energy explained');
      expect(row.enhanced_prompt).toContain('as predictably as the moon moves');
    }
  });

  it('fetches a missing blog once too, and fails and refunds every infograph of the request', async () => {
    const { token, ids } = await createFour('/missing');
    for (const id of ids) {
      expect(await flow.waitForTerminal(token, id)).toMatchObject({
        status: 'failed',
        error_code: 'blog_unreachable',
        error_message: expect.stringMatching(/^We couldn't reach the blog post at 127\.0\.0\.1\./),
      });
      expect(await failedReasonOf(flow, 'submit', id)).toMatch(/404/);
    }
    expect(hits.get('/missing')).toBe(1);
    expect((await flow.api.request('GET', '/api/credits/', { token })).body.balance).toBe(4);
  });
});
