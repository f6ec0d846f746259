import { FalAccountError, FalPermanentError, FalTransientError } from '@app/fal';
import { ScrapeError } from '@app/scraper';
import { InvalidStorageKeyError, StorageError } from '@app/storage';
import { UnrecoverableError } from 'bullmq';

import { ImageDownloadError } from '../upload/image-download';
import {
  describeFailure,
  FAL_UNAVAILABLE_REASON,
  FalOutageError,
  failureClass,
  isPermanent,
} from './job-failure';

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
      expect(describeFailure(error, 5)).toBe(FAL_UNAVAILABLE_REASON);
    },
  );

  it('a submit held past the outage deadline is permanent and says fal is unavailable', () => {
    const error = new FalOutageError('locked');
    expect(isPermanent(error)).toBe(true);
    expect(failureClass(error)).toBe('fal_unreachable');
    expect(describeFailure(error, 1)).toBe(FAL_UNAVAILABLE_REASON);
  });

  it('a rejected input (422) is permanent and says fal refused', () => {
    const error = new FalPermanentError('fal rejected the input: prompt: too long', 422);
    expect(isPermanent(error)).toBe(true);
    expect(failureClass(error)).toBe('fal_rejected');
    expect(describeFailure(error, 1)).toBe(
      'fal.ai refused the request: fal rejected the input: prompt: too long',
    );
  });

  it('an unreachable fal is retried, and its final message counts the attempts', () => {
    const error = new FalTransientError('fal answered 503 to submit', 503);
    expect(isPermanent(error)).toBe(false);
    expect(failureClass(error)).toBe('fal_unreachable');
    expect(describeFailure(error, 5)).toBe(
      'fal.ai could not be reached after 5 attempts: fal answered 503 to submit',
    );
  });
});

describe('image download failures', () => {
  it('a host outside fal media is permanent', () => {
    const error = new ImageDownloadError('the image host evil.example is not one of fal', true);
    expect(isPermanent(error)).toBe(true);
    expect(failureClass(error)).toBe('download');
    expect(describeFailure(error, 1)).toBe(
      'Could not fetch the generated image: the image host evil.example is not one of fal',
    );
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
    expect(describeFailure(error, 2)).toBe(`Could not store the image: ${error.message}`);
  });
});

describe('anything else', () => {
  it('an unknown error is retried and reported with the attempts', () => {
    const error = new Error('connection terminated');
    expect(isPermanent(error)).toBe(false);
    expect(failureClass(error)).toBe('other');
    expect(describeFailure(error, 3)).toBe(
      'Generation failed after 3 attempts: connection terminated',
    );
  });

  it("BullMQ's UnrecoverableError is permanent", () => {
    expect(isPermanent(new UnrecoverableError('no such infograph'))).toBe(true);
    expect(failureClass(new UnrecoverableError('x'))).toBe('other');
  });

  it('a thrown non-Error is described by its text', () => {
    expect(isPermanent('boom')).toBe(false);
    expect(describeFailure('boom', 1)).toBe('Generation failed after 1 attempts: boom');
  });
});
