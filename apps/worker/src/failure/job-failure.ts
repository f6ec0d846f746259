import { FalError, FalPermanentError } from '@app/fal';
import type { FailureClass } from '@app/observability';
import { ScrapeError } from '@app/scraper';
import { StorageError } from '@app/storage';
import { UnrecoverableError } from 'bullmq';

import { ImageDownloadError } from '../upload/image-download';

/** Errors no retry can fix: fal's validation, a blocked or unreadable blog, a bad image. */
export function isPermanent(error: unknown): boolean {
  if (error instanceof UnrecoverableError || error instanceof FalPermanentError) {
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
