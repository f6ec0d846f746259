import { INFOGRAPH_ERROR_CODES } from '@app/database';

import { failureMessage } from './failure-message';

describe('failureMessage', () => {
  it('has a message of its own for every error code, each saying the credits were refunded', () => {
    const messages = INFOGRAPH_ERROR_CODES.map((code) => failureMessage(code));
    expect(new Set(messages).size).toBe(INFOGRAPH_ERROR_CODES.length);
    for (const message of messages) {
      expect(message).toMatch(/credits were refunded/);
      // Written for people: no vendor, no HTTP status, no storage words.
      expect(message).not.toMatch(/fal|status code|\b[45]\d\d\b|bucket|S3|ECONN/i);
    }
  });

  it('says what to do for the common failures', () => {
    expect(failureMessage('generation_failed')).toBe(
      'The image could not be generated. Your credits were refunded — try again.',
    );
    expect(failureMessage('content_blocked')).toMatch(/safety filter.*rephras/);
    expect(failureMessage('cancelled')).toBe(
      'Cancelled at your request. Your credits were refunded.',
    );
  });

  it("names the blog's host, never the rest of its URL", () => {
    const url = 'https://blog.example.com/private/path?token=secret';
    expect(failureMessage('blog_unreachable', { blogUrl: url })).toBe(
      "We couldn't reach the blog post at blog.example.com. Your credits were refunded — check the link, or try again later.",
    );
    for (const code of ['blog_blocked', 'blog_not_article'] as const) {
      const message = failureMessage(code, { blogUrl: url });
      expect(message).toContain('at blog.example.com');
      expect(message).not.toMatch(/private|token|secret/);
    }
    expect(failureMessage('blog_unreachable', { blogUrl: 'not a url' })).toMatch(
      /^We couldn't reach the blog post you linked\./,
    );
  });

  it('states the time limit in minutes', () => {
    expect(failureMessage('timed_out', { timeoutMs: 15 * 60000 })).toBe(
      'The image was not ready within 15 minutes, so we stopped it. Your credits were refunded — try again.',
    );
    expect(failureMessage('timed_out', { timeoutMs: 3000 })).toMatch(/within 1 minute,/);
    expect(failureMessage('timed_out')).toMatch(/not ready in time/);
  });
});
