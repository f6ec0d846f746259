import type { FailureDetail } from '@app/infographs';
import { InfographPipeline } from '@app/pipeline';
import { isLastAttempt } from '@app/queues';
import { Injectable, Logger } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';

import {
  describeFailure,
  errorCodeFor,
  failureClass,
  isPermanent,
  operatorReason,
} from './job-failure';

/**
 * The one place where "this job failed" becomes "this infograph failed": inside the processor,
 * on a permanent error or the last attempt, the infograph is failed and refunded in one
 * transaction (not in a `failed` listener, which a crash could skip). Otherwise the error is
 * rethrown and BullMQ retries with backoff. The user reads a message written for them (by code);
 * the raw cause is logged and is the job's failed reason on the queue dashboard.
 */
@Injectable()
export class FailureAccountant {
  private readonly logger = new Logger('Failure');

  constructor(private readonly pipeline: InfographPipeline) {}

  async handle(
    job: Job,
    infographId: string,
    error: unknown,
    detail: FailureDetail = {},
  ): Promise<never> {
    const context = `infographId=${infographId} jobId=${job.id} queue=${job.queueName} attempt=${job.attemptsMade + 1}`;
    if (!isPermanent(error) && !isLastAttempt(job)) {
      this.logger.warn(`${context} will retry: ${(error as Error).message}`);
      throw error;
    }
    const failure = {
      code: errorCodeFor(error),
      reason: describeFailure(error, detail),
      reasonClass: failureClass(error),
    };
    const cause = operatorReason(error, job.attemptsMade + 1);
    if (await this.pipeline.fail(infographId, failure)) {
      this.logger.warn(`${context} failed and refunded: ${cause}`);
    }
    throw new UnrecoverableError(cause);
  }
}
