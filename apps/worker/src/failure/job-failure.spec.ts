import { ScrapeError } from '@app/scraper';

import { describeFailure, failureClass, isPermanent } from './job-failure';

describe('scrape failures', () => {
  // The contract: a failed scrape is permanent, refunded at once with a message the user can act on.
  it.each([
    ['dns_failed', 'The blog at nonexistent.invalid could not be found; check the address.'],
    ['timeout', 'The blog at slow.example did not answer within 10 s; use another link.'],
    ['blocked_url', 'The blog URL points to a loopback address (127.0.0.1), which is not allowed.'],
  ] as const)('%s fails the infograph without a retry', (code, message) => {
    const error = new ScrapeError(code, message);
    expect(isPermanent(error)).toBe(true);
    expect(failureClass(error)).toBe('blog');
    expect(describeFailure(error, 1)).toBe(`Could not use the blog post: ${message}`);
  });

  it('retries a blog server that answered 503', () => {
    const error = new ScrapeError('http_error', 'HTTP 503', { status: 503, permanent: false });
    expect(isPermanent(error)).toBe(false);
  });
});
