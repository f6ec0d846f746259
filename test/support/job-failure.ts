import { jobIdFor, type StepQueue } from '@app/queues';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';

import type { Flow } from './flow';
import { waitFor } from './wait-for';

/**
 * The failed reason of an infograph's step job, as the queue dashboard shows it: where the raw
 * cause of a failure (fal's, the blog's, S3's words) goes, since the user reads only a message
 * written for them. Waits for the job to have one.
 */
export async function failedReasonOf(
  flow: Flow,
  queue: StepQueue,
  infographId: string,
): Promise<string> {
  const jobs = flow.api.app.get<Queue>(getQueueToken(queue), { strict: false });
  // Failed for good, not only an earlier attempt's reason: an attempt that fails its infograph
  // (and frees its fal slot) before the job itself is moved to failed must not be read early.
  const { job } = await waitFor(
    async () => {
      const found = await jobs.getJob(jobIdFor(queue, infographId));
      return { job: found, state: found ? await found.getState() : undefined };
    },
    ({ job: j, state }) =>
      state === 'failed' && typeof j?.failedReason === 'string' && j.failedReason.length > 0,
    { describe: `the ${queue} job of ${infographId} to fail` },
  );
  return job!.failedReason;
}
