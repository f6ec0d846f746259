import type { Job } from 'bullmq';

/** True when this run is the job's last allowed attempt: a failure now is final. */
export function isLastAttempt(job: Pick<Job, 'attemptsMade' | 'opts'>): boolean {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}
