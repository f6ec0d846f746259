import type { AppConfig } from '@app/config';
import type { DefaultJobOptions } from 'bullmq';

import type { QueueName } from './queue-names';

/**
 * Defaults for every queue in one place. Failed jobs are kept (a week, bounded) so ops can see
 * why; completed ones only briefly, to keep Redis small.
 */
export function defaultJobOptions(config: AppConfig, queue: QueueName): DefaultJobOptions {
  return {
    attempts: queue === 'reconcile' ? 1 : config.jobs.attempts,
    // Exponential with jitter, so a burst of failures does not retry in lockstep.
    backoff: { type: 'exponential', delay: config.jobs.backoffMs, jitter: 0.5 },
    removeOnComplete: { age: 3600, count: 1000 },
    removeOnFail: { age: 7 * 24 * 3600, count: 10000 },
  };
}
