// The scraper against real HTTP servers. Every server listens on 127.0.0.1 and is reached only
// through an explicit allow-list entry; every blocked address is refused before any connect, so
// no packet leaves the machine (the resolver is a stub wherever a host name is used).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import {
  BlogScraper,
  DEFAULT_SCRAPER_OPTIONS,
  type HostResolver,
  safeFetch,
  ScrapeError,
  type ScraperOptions,
} from '@app/scraper';

import { waitFor } from '../support/wait-for';

interface TestServer {
  port: number;
  origin: string;
  /** Requests in arrival order. */
  requests: IncomingMessage[];
  connections: number;
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const servers: TestServer[] = [];

async function startServer(handler: Handler): Promise<TestServer> {
  const requests: IncomingMessage[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req);
    handler(req, res);
  });
  const state = { connections: 0 };
  server.on('connection', () => state.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const testServer: TestServer = {
    port,
    origin: `http://127.0.0.1:${port}`,
    requests,
    get connections() {
      return state.connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(testServer);
  return testServer;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function optionsFor(...allowed: TestServer[]): ScraperOptions {
  return {
    ...DEFAULT_SCRAPER_OPTIONS,
    timeoutMs: 5000,
    allowPrivateHosts: allowed.map((s) => `127.0.0.1:${s.port}`),
  };
}

async function scrapeErrorOf(promise: Promise<unknown>): Promise<ScrapeError> {
  const outcome = await promise.then(
    () => 'resolved',
    (e: unknown) => e,
  );
  expect(outcome).toBeInstanceOf(ScrapeError);
  return outcome as ScrapeError;
}

function html(res: ServerResponse, body: string, status = 200): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
  res.end(body);
}

/**
 * Streams `totalBytes` in paced chunks and records whether the whole body went out. Pacing matters:
 * loopback socket buffers can swallow megabytes at once, which would hide an early hang-up.
 */
function streamBody(
  res: ServerResponse,
  totalBytes: number,
  headers: Record<string, string | number>,
  outcome: { finished?: boolean },
): void {
  res.writeHead(200, headers);
  const chunk = Buffer.alloc(64 * 1024, 'a');
  let sent = 0;
  res.on('close', () => {
    outcome.finished = sent >= totalBytes && res.writableFinished;
  });
  const pump = (): void => {
    if (res.destroyed) {
      return;
    }
    if (sent >= totalBytes) {
      res.end();
      return;
    }
    sent += chunk.length;
    const next = () => setTimeout(pump, 10);
    if (res.write(chunk)) {
      next();
    } else {
      res.once('drain', next);
    }
  };
  pump();
}

const paragraph = (n: number) =>
  `Paragraph ${n}: the api acknowledges at once, the worker does the slow part, and the ` +
  `database stays the single source of truth for every infograph that passes through.`;

const ARTICLE = `<!doctype html><html><head><title>Queues in practice</title></head><body>
  <nav><a href="/">Home</a> NAVIGATION_LINKS</nav>
  <article><h1>Queues in practice</h1>
    ${[1, 2, 3, 4, 5].map((n) => `<p>${paragraph(n)}</p>`).join('\n')}
  </article>
  <footer>FOOTER_TEXT</footer></body></html>`;

describe('BlogScraper over real HTTP', () => {
  it('fetches an article page and extracts its title and main text', async () => {
    const server = await startServer((_req, res) => html(res, ARTICLE));

    const article = await new BlogScraper(optionsFor(server)).scrape(`${server.origin}/post`);

    expect(article.url).toBe(`${server.origin}/post`);
    expect(article.title).toBe('Queues in practice');
    expect(article.text).toContain(paragraph(1));
    expect(article.text).toContain(paragraph(5));
    expect(article.text).not.toMatch(/NAVIGATION_LINKS|FOOTER_TEXT/);
    const [request] = server.requests;
    expect(request.headers['user-agent']).toBe(DEFAULT_SCRAPER_OPTIONS.userAgent);
    expect(request.headers['accept-encoding']).toBe('identity');
  });

  it('connects to the address the resolver vouched for, not whatever DNS says later', async () => {
    const server = await startServer((_req, res) => html(res, ARTICLE));
    // blog.test has no DNS entry anywhere: reaching the server at all proves the connection used
    // the checked address handed over by the lookup, with no second resolution.
    const resolver = jest.fn<ReturnType<HostResolver>, Parameters<HostResolver>>(() =>
      Promise.resolve([{ address: '127.0.0.1', family: 4 }]),
    );
    const scraper = new BlogScraper({
      ...optionsFor(),
      allowPrivateHosts: [`blog.test:${server.port}`],
      resolver,
    });

    const article = await scraper.scrape(`http://blog.test:${server.port}/post`);

    expect(article.title).toBe('Queues in practice');
    expect(server.requests[0].headers.host).toBe(`blog.test:${server.port}`);
    expect(resolver).toHaveBeenCalledTimes(1);
  });

  it('follows up to three redirects, relative ones included', async () => {
    const server = await startServer((req, res) => {
      const hop = Number(/^\/r\/(\d+)$/.exec(req.url ?? '')?.[1] ?? -1);
      if (hop >= 0 && hop < 3) {
        res.writeHead(hop === 1 ? 301 : 302, { location: `/r/${hop + 1}` });
        res.end();
        return;
      }
      html(res, ARTICLE);
    });

    const page = await safeFetch(`${server.origin}/r/0`, optionsFor(server));

    expect(page.finalUrl).toBe(`${server.origin}/r/3`);
    expect(page.status).toBe(200);
    expect(server.requests.map((r) => r.url)).toEqual(['/r/0', '/r/1', '/r/2', '/r/3']);
  });

  it('decodes the charset the server declares', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=windows-1252' });
      const text = Buffer.from(`<html><head><title>Quotes</title></head><body><p>`, 'latin1');
      // “Café” — in windows-1252 bytes.
      res.end(Buffer.concat([text, Buffer.from([0x93, 0x43, 0x61, 0x66, 0xe9, 0x94, 0x20, 0x97])]));
    });

    const article = await new BlogScraper(optionsFor(server)).scrape(`${server.origin}/`);

    expect(article.text).toBe('\u201cCaf\u00e9\u201d \u2014');
  });
});

describe('safeFetch refuses internal destinations', () => {
  it('blocks 127.0.0.1 unless the test allow-lists it, without connecting', async () => {
    const server = await startServer((_req, res) => html(res, ARTICLE));

    const error = await scrapeErrorOf(safeFetch(`${server.origin}/`, DEFAULT_SCRAPER_OPTIONS));

    expect(error.code).toBe('blocked_url');
    expect(error.permanent).toBe(true);
    expect(error.message).toContain('loopback address (127.0.0.1)');
    expect(server.connections).toBe(0);
  });

  it.each([
    ['http://10.0.0.1/', 'private network address (10.0.0.1)'],
    ['http://169.254.169.254/latest/meta-data', 'cloud metadata service address (169.254.169.254)'],
    ['http://[::ffff:169.254.169.254]/latest/meta-data', 'metadata'],
    ['http://2130706433/', 'loopback address (127.0.0.1)'],
  ])('blocks %s before connecting', async (url, reason) => {
    const resolver = jest.fn<ReturnType<HostResolver>, Parameters<HostResolver>>();

    const error = await scrapeErrorOf(
      safeFetch(url, { ...DEFAULT_SCRAPER_OPTIONS, timeoutMs: 5000, resolver }),
    );

    expect(error.code).toBe('blocked_url');
    expect(error.message).toContain(reason);
    expect(resolver).not.toHaveBeenCalled();
  });

  it('re-checks a redirect target and refuses one that is not allowed', async () => {
    const internal = await startServer((_req, res) => html(res, ARTICLE));
    const entry = await startServer((_req, res) => {
      res.writeHead(302, { location: `${internal.origin}/admin` });
      res.end();
    });

    const error = await scrapeErrorOf(safeFetch(`${entry.origin}/post`, optionsFor(entry)));

    expect(error.code).toBe('blocked_url');
    expect(error.message).toContain(`redirects to ${internal.origin}/admin`);
    expect(entry.requests).toHaveLength(1);
    expect(internal.connections).toBe(0);
  });

  it('refuses a redirect to a non-http scheme', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(301, { location: 'file:///etc/passwd' });
      res.end();
    });

    const error = await scrapeErrorOf(safeFetch(`${server.origin}/`, optionsFor(server)));

    expect(error.code).toBe('bad_scheme');
  });

  it('gives up after three redirects', async () => {
    const server = await startServer((req, res) => {
      const hop = Number(/^\/r\/(\d+)$/.exec(req.url ?? '')?.[1] ?? 0);
      res.writeHead(302, { location: `${server.origin}/r/${hop + 1}` });
      res.end();
    });

    const error = await scrapeErrorOf(safeFetch(`${server.origin}/r/0`, optionsFor(server)));

    expect(error.code).toBe('too_many_redirects');
    expect(error.permanent).toBe(true);
    expect(server.requests.map((r) => r.url)).toEqual(['/r/0', '/r/1', '/r/2', '/r/3']);
  });
});

describe('safeFetch limits what it reads', () => {
  it.each([
    ['application/pdf', 'application/pdf'],
    ['application/json; charset=utf-8', 'application/json'],
  ])('refuses %s before reading the body', async (contentType, shown) => {
    const outcome: { finished?: boolean } = {};
    const server = await startServer((_req, res) =>
      streamBody(res, 3 * 1024 * 1024, { 'content-type': contentType }, outcome),
    );

    const error = await scrapeErrorOf(safeFetch(`${server.origin}/file`, optionsFor(server)));

    expect(error.code).toBe('not_html');
    expect(error.permanent).toBe(true);
    expect(error.message).toContain(shown);
    await waitFor(
      () => outcome.finished,
      (f) => f !== undefined,
      { timeoutMs: 5000 },
    );
    expect(outcome.finished).toBe(false);
  });

  it('aborts a page that grows past the byte cap mid-stream', async () => {
    const outcome: { finished?: boolean } = {};
    const server = await startServer((_req, res) =>
      streamBody(res, 3 * 1024 * 1024, { 'content-type': 'text/html' }, outcome),
    );

    const error = await scrapeErrorOf(safeFetch(`${server.origin}/big`, optionsFor(server)));

    expect(error.code).toBe('too_large');
    expect(error.permanent).toBe(true);
    expect(error.message).toContain('2 MB');
    await waitFor(
      () => outcome.finished,
      (f) => f !== undefined,
      { timeoutMs: 5000 },
    );
    expect(outcome.finished).toBe(false);
  });

  it('refuses a declared oversize body without reading it', async () => {
    const outcome: { finished?: boolean } = {};
    const total = 3 * 1024 * 1024;
    const server = await startServer((_req, res) =>
      streamBody(res, total, { 'content-type': 'text/html', 'content-length': total }, outcome),
    );

    const error = await scrapeErrorOf(safeFetch(`${server.origin}/big`, optionsFor(server)));

    expect(error.code).toBe('too_large');
    await waitFor(
      () => outcome.finished,
      (f) => f !== undefined,
      { timeoutMs: 5000 },
    );
    expect(outcome.finished).toBe(false);
  });

  it('times out a server that does not answer', async () => {
    const server = await startServer(() => undefined);
    const started = Date.now();

    const error = await scrapeErrorOf(
      safeFetch(`${server.origin}/slow`, { ...optionsFor(server), timeoutMs: 300 }),
    );

    expect(error.code).toBe('timeout');
    expect(error.permanent).toBe(true);
    expect(error.message).toMatch(/^The blog at 127\.0\.0\.1 did not answer within 0\.3 s/);
    // The server never answers: well under the product's 10 s, with room for a busy machine.
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('counts a trickling body against the same overall timeout', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      const timer = setInterval(() => res.write('<p>still going</p>'), 50);
      res.on('close', () => clearInterval(timer));
    });
    const started = Date.now();

    const error = await scrapeErrorOf(
      safeFetch(`${server.origin}/drip`, { ...optionsFor(server), timeoutMs: 400 }),
    );

    expect(error.code).toBe('timeout');
    expect(error.permanent).toBe(true);
    // The drip never ends (a per-chunk timeout would never fire): well under the product's 10 s.
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('safeFetch classifies HTTP failures', () => {
  it.each([
    [404, true],
    [410, true],
    [403, true],
    [429, false],
    [500, false],
    [503, false],
  ])('HTTP %i → http_error, permanent: %s', async (status, permanent) => {
    const server = await startServer((_req, res) => html(res, '<p>nope</p>', status));

    const error = await scrapeErrorOf(safeFetch(`${server.origin}/x`, optionsFor(server)));

    expect(error.code).toBe('http_error');
    expect(error.status).toBe(status);
    expect(error.permanent).toBe(permanent);
    expect(error.message).toContain(String(status));
  });

  it('treats a connection reset as transient', async () => {
    const server = await startServer((req) => req.socket.destroy());

    const error = await scrapeErrorOf(safeFetch(`${server.origin}/x`, optionsFor(server)));

    expect(error.code).toBe('http_error');
    expect(error.permanent).toBe(false);
  });

  it('reports a page with no readable text as unreadable', async () => {
    const server = await startServer((_req, res) =>
      html(
        res,
        '<html><head><title>Empty</title></head><body><script>app()</script></body></html>',
      ),
    );

    const error = await scrapeErrorOf(
      new BlogScraper(optionsFor(server)).scrape(`${server.origin}/spa`),
    );

    expect(error.code).toBe('unreadable');
    expect(error.permanent).toBe(true);
  });
});
