import { AppConfig } from '@app/config';
import type { Infograph } from '@app/database';
import { Injectable, Logger } from '@nestjs/common';
import { DelayedError, Job } from 'bullmq';

import type { BreakerWait } from '../fal-breaker/fal-circuit-breaker';
import { FailureAccountant } from '../failure/failure-accountant';
import { FalOutageError } from '../failure/job-failure';

export type OutageWaitPlan = { kind: 'give-up' } | { kind: 'delay'; until: number };

/**
 * When a held submit job runs next: after the breaker's wait, plus up to a second (or a quarter of
 * the wait) of jitter so held jobs do not all wake at once, but never past the infograph's
 * deadline; at or past it, the job gives up. `random` is in [0, 1).
 */
export function planOutageWait(
  createdAt: number,
  now: number,
  waitMs: number,
  deadlineMs: number,
  random: number,
): OutageWaitPlan {
  const deadline = createdAt + deadlineMs;
  if (now >= deadline) {
    return { kind: 'give-up' };
  }
  const jitter = random * Math.min(1000, waitMs / 4);
  return { kind: 'delay', until: Math.ceil(Math.min(now + waitMs + jitter, deadline)) };
}

/**
 * A submit job the fal circuit breaker will not let through. The job goes back to BullMQ's delayed
 * set until the breaker may admit it (`moveToDelayed` + `DelayedError`: BullMQ then neither fails
 * the job nor counts an attempt), and the infograph stays `pending`, charged, not refunded. That
 * beats pausing the queue: nothing must remember to resume it (a crashed worker cannot leave it
 * paused), the jobs that wake first probe fal by themselves, and each job knows its own deadline.
 *
 * Past FAL_OUTAGE_DEADLINE_MS from its create, an infograph still held is failed and refunded,
 * through FailureAccountant like any permanent error, so exactly once.
 */
@Injectable()
export class FalOutageHold {
  private readonly logger = new Logger('Submit');

  constructor(
    private readonly config: AppConfig,
    private readonly failures: FailureAccountant,
  ) {}

  async hold(
    job: Job,
    infograph: Pick<Infograph, 'id' | 'createdAt'>,
    wait: BreakerWait,
  ): Promise<never> {
    const plan = planOutageWait(
      infograph.createdAt.getTime(),
      Date.now(),
      wait.waitMs,
      this.config.falBreaker.outageDeadlineMs,
      Math.random(),
    );
    if (plan.kind === 'give-up') {
      return this.failures.handle(job, infograph.id, new FalOutageError(wait.cause));
    }
    await job.moveToDelayed(plan.until, job.token);
    this.logger.debug(
      `infographId=${infograph.id} jobId=${job.id} queue=submit held: fal circuit open (${wait.cause}), next try at ${new Date(plan.until).toISOString()}`,
    );
    throw new DelayedError();
  }
}
