import type { AppConfig } from '@app/config';
import type { DefaultJobOptions } from 'bullmq';

import type { QueueName } from './queue-names';

/**
 * Defaults for every queue in one place. Failed jobs are kept (a week, bounded) so ops can see
 * why; completed ones only briefly, to keep Redis small.
 */
export function defaultJobOptions(config: AppConfig, queue: QueueName): DefaultJobOptions {
  if (queue === 'customer-webhook') {
    // A customer's endpoint may be down for hours: doubling delays from WEBHOOK_RETRY_BASE_MS
    // (less up to 20 % jitter) over WEBHOOK_MAX_ATTEMPTS, about a day with the defaults.
    const { maxAttempts, retryBaseMs } = config.customerWebhooks;
    return {
      attempts: maxAttempts,
      backoff: { type: 'exponential', delay: retryBaseMs, jitter: 0.2 },
      removeOnComplete: { age: 3600, count: 1000 },
      removeOnFail: { age: 7 * 24 * 3600, count: 10000 },
    };
  }
  return {
    attempts: queue === 'reconcile' ? 1 : config.jobs.attempts,
    // Exponential with jitter, so a burst of failures does not retry in lockstep.
    backoff: { type: 'exponential', delay: config.jobs.backoffMs, jitter: 0.5 },
    removeOnComplete: { age: 3600, count: 1000 },
    removeOnFail: { age: 7 * 24 * 3600, count: 10000 },
  };
}
