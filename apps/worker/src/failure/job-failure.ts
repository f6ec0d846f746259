import type { InfographErrorCode } from '@app/database';
import { type FailureDetail, failureMessage } from '@app/infographs';
import { FalAccountError, FalError, FalPermanentError } from '@app/fal';
import type { FailureClass } from '@app/observability';
import { ScrapeError, type ScrapeErrorCode } from '@app/scraper';
import { StorageError } from '@app/storage';
import { UnrecoverableError } from 'bullmq';

import { ImageDownloadError } from '../upload/image-download';

/**
 * A submit the fal circuit breaker held past FAL_OUTAGE_DEADLINE_MS: fal did not come back in
 * time for this infograph, which is failed and refunded like any permanent error.
 */
export class FalOutageError extends Error {
  constructor(cause: string) {
    super(`fal.ai still out of reach (${cause}) past the outage deadline`);
    this.name = 'FalOutageError';
  }
}

/** Errors no retry can fix: fal's validation, a blocked or unreadable blog, a bad image. */
export function isPermanent(error: unknown): boolean {
  if (
    error instanceof UnrecoverableError ||
    error instanceof FalPermanentError ||
    error instanceof FalOutageError
  ) {
    return true;
  }
  if (error instanceof ScrapeError || error instanceof ImageDownloadError) {
    return error.permanent;
  }
  if (error instanceof StorageError) {
    return !error.transient;
  }
  return false;
}

/** The reason class for metrics and alerts. */
export function failureClass(error: unknown): FailureClass {
  if (error instanceof ScrapeError) {
    return 'blog';
  }
  if (error instanceof FalOutageError) {
    return 'fal_unreachable';
  }
  if (error instanceof FalError) {
    return isPermanent(error) ? 'fal_rejected' : 'fal_unreachable';
  }
  if (error instanceof ImageDownloadError) {
    return 'download';
  }
  if (error instanceof StorageError) {
    return 'storage';
  }
  return 'other';
}

/** A blog that could not be used, by why: not there, not allowed, or not an article. */
const BLOG_CODES: Record<ScrapeErrorCode, InfographErrorCode> = {
  timeout: 'blog_unreachable',
  dns_failed: 'blog_unreachable',
  http_error: 'blog_unreachable',
  too_many_redirects: 'blog_unreachable',
  blocked_url: 'blog_blocked',
  bad_scheme: 'blog_blocked',
  not_html: 'blog_not_article',
  too_large: 'blog_not_article',
  unreadable: 'blog_not_article',
};

/** The `error_code` clients branch on (wire format: see INFOGRAPH_ERROR_CODES). */
export function errorCodeFor(error: unknown): InfographErrorCode {
  if (error instanceof ScrapeError) {
    return BLOG_CODES[error.code] ?? 'blog_unreachable';
  }
  if (error instanceof FalAccountError || error instanceof FalOutageError) {
    return 'fal_unavailable';
  }
  if (error instanceof FalError) {
    return isPermanent(error) ? 'generation_failed' : 'fal_unavailable';
  }
  if (error instanceof ImageDownloadError) {
    return 'generation_failed';
  }
  if (error instanceof StorageError) {
    return 'storage_failed';
  }
  return 'internal_error';
}

/**
 * The `error_message` a user reads: what went wrong, in their terms, by its code (a fal account
 * problem, for one, is never told in fal's words, which may be about our billing).
 */
export function describeFailure(error: unknown, detail: FailureDetail = {}): string {
  return failureMessage(errorCodeFor(error), detail);
}

/**
 * What operators read (the logs, the job's failed reason on the queue dashboard): the code and
 * the raw cause, fal's or S3's words included.
 */
export function operatorReason(error: unknown, attempts: number): string {
  const message = error instanceof Error ? error.message : String(error);
  return `${errorCodeFor(error)} after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${message}`;
}
