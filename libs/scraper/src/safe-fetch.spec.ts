import { type HostResolver, safeFetch, type SafeFetchOptions } from './safe-fetch';
import { ScrapeError } from './scrape-error';

// None of these cases may open a connection: each is refused before connecting, and the resolver
// is a stub, so no DNS query leaves the machine either.
function options(resolver: HostResolver, overrides: Partial<SafeFetchOptions> = {}) {
  return {
    timeoutMs: 2000,
    maxBytes: 1024,
    maxRedirects: 3,
    allowedContentTypes: ['text/html'],
    userAgent: 'test',
    resolver,
    ...overrides,
  };
}

function resolvingTo(...addresses: string[]) {
  return jest.fn<ReturnType<HostResolver>, Parameters<HostResolver>>(() =>
    Promise.resolve(
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    ),
  );
}

async function scrapeErrorOf(promise: Promise<unknown>): Promise<ScrapeError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ScrapeError);
  return error as ScrapeError;
}

describe('safeFetch refuses before connecting', () => {
  it.each([
    'ftp://example.com/post',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'data:text/html,<p>hi</p>',
    'gopher://example.com/',
    'ws://example.com/',
  ])('%s → bad_scheme', async (url) => {
    const resolver = resolvingTo('93.184.216.34');
    const error = await scrapeErrorOf(safeFetch(url, options(resolver)));
    expect(error.code).toBe('bad_scheme');
    expect(error.permanent).toBe(true);
    expect(resolver).not.toHaveBeenCalled();
  });

  it.each(['not a url', '', '/relative/path', 'http://'])('%j → bad_scheme', async (url) => {
    const error = await scrapeErrorOf(safeFetch(url, options(resolvingTo('93.184.216.34'))));
    expect(error.code).toBe('bad_scheme');
  });

  it('refuses credentials in the URL', async () => {
    const resolver = resolvingTo('93.184.216.34');
    const error = await scrapeErrorOf(
      safeFetch('https://user:secret@example.com/post', options(resolver)),
    );
    expect(error.code).toBe('blocked_url');
    expect(error.message).toContain('user name or password');
    expect(resolver).not.toHaveBeenCalled();
  });

  // The URL parser canonicalises every IPv4 spelling, so each of these is checked as 127.0.0.1.
  it.each([
    ['http://127.0.0.1/', '127.0.0.1'],
    ['http://2130706433/', '127.0.0.1'],
    ['http://0x7f.1/', '127.0.0.1'],
    ['http://0x7f000001/', '127.0.0.1'],
    ['http://0177.0.0.1/', '127.0.0.1'],
    ['http://127.1/', '127.0.0.1'],
    ['http://0/', '0.0.0.0'],
    ['http://10.0.0.1/', '10.0.0.1'],
    ['http://012.0.0.1/', '10.0.0.1'],
    ['http://169.254.169.254/latest/meta-data', '169.254.169.254'],
    ['http://0xa9fea9fe/', '169.254.169.254'],
    ['http://[::1]/', '::1'],
    ['http://[::ffff:127.0.0.1]/', '::ffff:7f00:1'],
    ['http://[0:0:0:0:0:ffff:a9fe:a9fe]/', '::ffff:a9fe:a9fe'],
    ['http://[fd00::1]:8080/', 'fd00::1'],
    ['https://[fe80::1]/', 'fe80::1'],
  ])('%s → blocked_url naming %s', async (url, shown) => {
    const resolver = resolvingTo('93.184.216.34');
    const error = await scrapeErrorOf(safeFetch(url, options(resolver)));
    expect(error.code).toBe('blocked_url');
    expect(error.permanent).toBe(true);
    expect(error.message).toContain(`(${shown})`);
    expect(resolver).not.toHaveBeenCalled();
  });

  it('explains a private address the way the user can act on', async () => {
    const error = await scrapeErrorOf(
      safeFetch('http://10.0.0.5/post', options(resolvingTo('93.184.216.34'))),
    );
    expect(error.message).toBe(
      'The blog URL points to a private network address (10.0.0.5), which is not allowed.',
    );
  });

  it('refuses a host name that resolves to a private address', async () => {
    const resolver = resolvingTo('10.1.2.3');
    const error = await scrapeErrorOf(
      safeFetch('https://intranet.example/post', options(resolver)),
    );
    expect(error.code).toBe('blocked_url');
    expect(error.message).toContain('intranet.example');
    expect(error.message).toContain('(10.1.2.3)');
    expect(resolver).toHaveBeenCalledTimes(1);
    expect(resolver).toHaveBeenCalledWith('intranet.example');
  });

  it('refuses a host if any of its addresses is not public', async () => {
    const resolver = resolvingTo('93.184.216.34', '2606:4700::1', '::ffff:169.254.169.254');
    const error = await scrapeErrorOf(safeFetch('https://mixed.example/', options(resolver)));
    expect(error.code).toBe('blocked_url');
    expect(error.message).toContain('metadata');
  });

  it('refuses an address the resolver returns in an unparseable form', async () => {
    const error = await scrapeErrorOf(
      safeFetch('https://weird.example/', options(resolvingTo('not-an-ip'))),
    );
    expect(error.code).toBe('blocked_url');
  });

  it('does not let an allow-list entry for another port through', async () => {
    const error = await scrapeErrorOf(
      safeFetch(
        'http://127.0.0.1:9/',
        options(resolvingTo(), { allowPrivateHosts: ['127.0.0.1:8080', 'localhost'] }),
      ),
    );
    expect(error.code).toBe('blocked_url');
  });

  // The contract makes a failed scrape permanent: the user is refunded at once with a message.
  it('reports a host that does not exist as a permanent dns_failed', async () => {
    const resolver: HostResolver = () =>
      Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }));
    const error = await scrapeErrorOf(safeFetch('https://nowhere.example/', options(resolver)));
    expect(error.code).toBe('dns_failed');
    expect(error.permanent).toBe(true);
    expect(error.message).toMatch(/^The blog at nowhere\.example could not be found; /);
  });

  it('reports a resolver that did not answer (EAI_AGAIN) as a permanent dns_failed', async () => {
    const resolver: HostResolver = () =>
      Promise.reject(Object.assign(new Error('getaddrinfo EAI_AGAIN'), { code: 'EAI_AGAIN' }));
    const error = await scrapeErrorOf(safeFetch('https://flaky-dns.example/', options(resolver)));
    expect(error.code).toBe('dns_failed');
    expect(error.permanent).toBe(true);
    expect(error.message).toMatch(/^The blog at flaky-dns\.example could not be looked up: /);
  });

  it('reports a host with no addresses as dns_failed', async () => {
    const error = await scrapeErrorOf(safeFetch('https://empty.example/', options(resolvingTo())));
    expect(error.code).toBe('dns_failed');
    expect(error.permanent).toBe(true);
  });

  it('counts a slow resolver against the overall timeout, a permanent failure', async () => {
    const resolver: HostResolver = () => new Promise(() => undefined);
    const started = Date.now();
    const error = await scrapeErrorOf(
      safeFetch('https://slow-dns.example/', options(resolver, { timeoutMs: 100 })),
    );
    expect(error.code).toBe('timeout');
    expect(error.permanent).toBe(true);
    expect(error.message).toMatch(/^The blog at slow-dns\.example did not answer within 0\.1 s/);
    // The resolver never answers, so only the timeout ends this; the bound is loose on purpose
    // (a stalled machine), far below what the missing timeout would take (forever).
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('ScrapeError', () => {
  it('defaults every code to permanent, DNS failures and timeouts included', () => {
    expect(new ScrapeError('timeout', 'x').permanent).toBe(true);
    expect(new ScrapeError('dns_failed', 'x').permanent).toBe(true);
    expect(new ScrapeError('blocked_url', 'x').permanent).toBe(true);
    expect(new ScrapeError('http_error', 'x', { status: 503, permanent: false }).permanent).toBe(
      false,
    );
  });
});
