import { FalAccountError, FalPermanentError, FalTransientError } from '@app/fal';
import { failureMessage } from '@app/infographs';
import { ScrapeError } from '@app/scraper';
import { InvalidStorageKeyError, StorageError } from '@app/storage';
import { UnrecoverableError } from 'bullmq';

import { ImageDownloadError } from '../upload/image-download';
import {
  describeFailure,
  errorCodeFor,
  FalOutageError,
  failureClass,
  isPermanent,
  operatorReason,
} from './job-failure';

const FAL_UNAVAILABLE_REASON = failureMessage('fal_unavailable');

describe('scrape failures', () => {
  // The contract: a failed scrape is permanent, refunded at once with a message the user can act on
  // (naming the blog's host, not the scraper's words).
  it.each([
    ['dns_failed', 'The blog at nonexistent.invalid could not be found; check the address.'],
    ['timeout', 'The blog at slow.example did not answer within 10 s; use another link.'],
    ['blocked_url', 'The blog URL points to a loopback address (127.0.0.1), which is not allowed.'],
  ] as const)('%s fails the infograph without a retry', (code, message) => {
    const error = new ScrapeError(code, message);
    expect(isPermanent(error)).toBe(true);
    expect(failureClass(error)).toBe('blog');
    expect(describeFailure(error, { blogUrl: 'https://blog.example/post' })).toMatch(
      /^(We couldn't reach the blog post|The blog post) at blog\.example\b.*credits were refunded/,
    );
    expect(operatorReason(error, 1)).toContain(message);
  });

  it('retries a blog server that answered 503', () => {
    const error = new ScrapeError('http_error', 'HTTP 503', { status: 503, permanent: false });
    expect(isPermanent(error)).toBe(false);
  });
});

describe('fal failures', () => {
  it.each([401, 403])(
    'a refused account (%i) is not the request fault: not permanent, and never shows fal text',
    (status) => {
      const error = new FalAccountError(
        'fal answered 403 to submit: User is locked. Reason: Exhausted balance.',
        status,
      );
      expect(isPermanent(error)).toBe(false);
      expect(failureClass(error)).toBe('fal_unreachable');
      expect(describeFailure(error)).toBe(FAL_UNAVAILABLE_REASON);
    },
  );

  it('a submit held past the outage deadline is permanent and says fal is unavailable', () => {
    const error = new FalOutageError('locked');
    expect(isPermanent(error)).toBe(true);
    expect(failureClass(error)).toBe('fal_unreachable');
    expect(describeFailure(error)).toBe(FAL_UNAVAILABLE_REASON);
  });

  it("a rejected input (422) is permanent; the user is told it failed, operators fal's words", () => {
    const error = new FalPermanentError('fal rejected the input: prompt: too long', 422);
    expect(isPermanent(error)).toBe(true);
    expect(failureClass(error)).toBe('fal_rejected');
    expect(describeFailure(error)).toBe(failureMessage('generation_failed'));
    expect(operatorReason(error, 1)).toBe(
      'generation_failed after 1 attempt: fal rejected the input: prompt: too long',
    );
  });

  it('an unreachable fal is retried; its final reason for operators counts the attempts', () => {
    const error = new FalTransientError('fal answered 503 to submit', 503);
    expect(isPermanent(error)).toBe(false);
    expect(failureClass(error)).toBe('fal_unreachable');
    expect(describeFailure(error)).toBe(FAL_UNAVAILABLE_REASON);
    expect(operatorReason(error, 5)).toBe(
      'fal_unavailable after 5 attempts: fal answered 503 to submit',
    );
  });
});

describe('image download failures', () => {
  it('a host outside fal media is permanent', () => {
    const error = new ImageDownloadError('the image host evil.example is not one of fal', true);
    expect(isPermanent(error)).toBe(true);
    expect(failureClass(error)).toBe('download');
    expect(describeFailure(error)).toBe(failureMessage('generation_failed'));
    expect(operatorReason(error, 1)).toContain('the image host evil.example is not one of fal');
  });

  it('a timeout is retried', () => {
    const error = new ImageDownloadError('timed out', false);
    expect(isPermanent(error)).toBe(false);
    expect(failureClass(error)).toBe('download');
  });
});

describe('storage failures', () => {
  it.each([
    ['a transient one is retried', new StorageError('503', true, 'ServiceUnavailable'), false],
    ['a missing bucket is permanent', new StorageError('no bucket', false, 'NoSuchBucket'), true],
    ['an invalid key is permanent', new InvalidStorageKeyError('../x', 'escapes the root'), true],
  ])('%s', (_label, error, permanent) => {
    expect(isPermanent(error)).toBe(permanent);
    expect(failureClass(error)).toBe('storage');
    expect(describeFailure(error)).toBe(failureMessage('storage_failed'));
    expect(describeFailure(error)).not.toContain(error.message);
    expect(operatorReason(error, 2)).toContain(error.message);
  });
});

describe('anything else', () => {
  it('an unknown error is retried and reported with the attempts', () => {
    const error = new Error('connection terminated');
    expect(isPermanent(error)).toBe(false);
    expect(failureClass(error)).toBe('other');
    expect(describeFailure(error)).toBe(failureMessage('internal_error'));
    expect(operatorReason(error, 3)).toBe('internal_error after 3 attempts: connection terminated');
  });

  it("BullMQ's UnrecoverableError is permanent", () => {
    expect(isPermanent(new UnrecoverableError('no such infograph'))).toBe(true);
    expect(failureClass(new UnrecoverableError('x'))).toBe('other');
  });

  it('a thrown non-Error is described by its text', () => {
    expect(isPermanent('boom')).toBe(false);
    expect(operatorReason('boom', 1)).toBe('internal_error after 1 attempt: boom');
  });
});

describe('error codes: every failure class has a stable word clients branch on', () => {
  it.each([
    ['a blog that timed out', new ScrapeError('timeout', 'x'), 'blog_unreachable'],
    ['a blog whose host is unknown', new ScrapeError('dns_failed', 'x'), 'blog_unreachable'],
    [
      'a blog answering 404',
      new ScrapeError('http_error', 'x', { status: 404 }),
      'blog_unreachable',
    ],
    [
      'a blog redirecting too often',
      new ScrapeError('too_many_redirects', 'x'),
      'blog_unreachable',
    ],
    ['a private blog address', new ScrapeError('blocked_url', 'x'), 'blog_blocked'],
    ['a blog URL that is not http', new ScrapeError('bad_scheme', 'x'), 'blog_blocked'],
    ['a blog that is not HTML', new ScrapeError('not_html', 'x'), 'blog_not_article'],
    ['a blog page too large', new ScrapeError('too_large', 'x'), 'blog_not_article'],
    ['a blog with no article', new ScrapeError('unreadable', 'x'), 'blog_not_article'],
    ['a locked fal account', new FalAccountError('locked', 403), 'fal_unavailable'],
    ['the outage deadline', new FalOutageError('unavailable'), 'fal_unavailable'],
    ['fal out of reach', new FalTransientError('503', 503), 'fal_unavailable'],
    ['a rejected input', new FalPermanentError('422', 422), 'generation_failed'],
    ['an image off fal media', new ImageDownloadError('evil host', true), 'generation_failed'],
    ['a storage failure', new StorageError('no bucket', false, 'NoSuchBucket'), 'storage_failed'],
    ['anything else', new Error('connection terminated'), 'internal_error'],
  ])('%s → %s', (_label, error, code) => {
    expect(errorCodeFor(error)).toBe(code);
  });
});
