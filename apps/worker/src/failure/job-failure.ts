import { FalAccountError, FalError, FalPermanentError } from '@app/fal';
import type { FailureClass } from '@app/observability';
import { ScrapeError } from '@app/scraper';
import { StorageError } from '@app/storage';
import { UnrecoverableError } from 'bullmq';

import { ImageDownloadError } from '../upload/image-download';

/**
 * What a user reads when fal.ai cannot take work from us at all (a bad key, a locked account, an
 * outage): never fal's own text, which may be about our account's billing.
 */
export const FAL_UNAVAILABLE_REASON =
  'fal.ai is unavailable right now; your credits were refunded.';

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

/** The `error_message` a user reads: what went wrong, in their terms. */
export function describeFailure(error: unknown, attempts: number): string {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof ScrapeError) {
    return `Could not use the blog post: ${message}`;
  }
  if (error instanceof FalAccountError || error instanceof FalOutageError) {
    return FAL_UNAVAILABLE_REASON;
  }
  if (error instanceof FalError) {
    return isPermanent(error)
      ? `fal.ai refused the request: ${message}`
      : `fal.ai could not be reached after ${attempts} attempts: ${message}`;
  }
  if (error instanceof ImageDownloadError) {
    return `Could not fetch the generated image: ${message}`;
  }
  if (error instanceof StorageError) {
    return `Could not store the image: ${message}`;
  }
  return `Generation failed after ${attempts} attempts: ${message}`;
}
