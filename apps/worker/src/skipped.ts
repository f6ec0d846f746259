import type { InfographStatus } from '@app/database';

/**
 * A step's result when the infograph is not in the state the step moves it from. It is what the
 * queue dashboard shows for the job, so a job retried there that changes nothing says why: a
 * failed infograph was refunded and stays failed (running it again would make an image nobody
 * paid for), so the way forward is a new one: the operator's `infograph:rerun`, which charges
 * (or, with --free, grants and charges) the new one in the ledger.
 */
export function skippedBecause(
  status: InfographStatus | undefined,
  expected: InfographStatus,
): string {
  if (!status) {
    return 'skipped: the infograph no longer exists';
  }
  const advice =
    status === 'failed'
      ? '; it was refunded and stays failed, so this retry changed nothing. To run it again: npm run cli -- infograph:rerun --id <infograph id> [--free]'
      : '';
  return `skipped: the infograph is ${status}, not ${expected}${advice}`;
}
