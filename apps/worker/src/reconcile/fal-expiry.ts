import type { Infograph } from '@app/database';

/**
 * How long we wait on fal before giving up: past `maxAgeMs` since the submit (longer than fal's
 * ~2 h of webhook retries) a request is cancelled at fal, and the infograph failed and refunded.
 */
export function hasExpiredAtFal(
  infograph: Pick<Infograph, 'submittedAt' | 'createdAt'>,
  maxAgeMs: number,
  now: number,
): boolean {
  return now - (infograph.submittedAt ?? infograph.createdAt).getTime() > maxAgeMs;
}

/** The `error_message` the user reads for an expired request. */
export function expiredAtFalReason(maxAgeMs: number): string {
  const minutes = Math.round(maxAgeMs / 60000);
  return `No result from fal.ai within ${minutes} minutes; the request was cancelled.`;
}
