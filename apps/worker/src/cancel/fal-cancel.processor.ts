import { AppConfig } from '@app/config';
import { FalGateway } from '@app/fal';
import { JobData, QUEUES } from '@app/queues';
import { Processor } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Job } from 'bullmq';

import { StepProcessor } from '../step-processor';

/**
 * Asks fal to stop the request of an infograph its user cancelled (or deleted unfinished). The
 * infograph was already failed and refunded by the cancel itself, so nothing here touches credits
 * or the row: this only saves fal the work. fal may refuse (`too_late`: it is running or done) or
 * ignore the cancel of a running request; what it then delivers is recorded and ignored.
 * An unreachable fal is retried like any step; the last attempt gives up, which costs nothing.
 */
@Processor(QUEUES.cancel)
export class FalCancelProcessor extends StepProcessor {
  private readonly logger = new Logger('Cancel');

  constructor(
    config: AppConfig,
    private readonly fal: FalGateway,
  ) {
    super(config);
  }

  protected async run(job: Job<JobData<'cancel'>>): Promise<string> {
    const { infographId, falRequestId } = job.data;
    const answer = await this.fal.cancel(falRequestId);
    this.logger.log(
      `infographId=${infographId} jobId=${job.id} queue=cancel fal request ${falRequestId}: ${answer}`,
    );
    return answer === 'cancelled'
      ? 'cancel requested at fal'
      : 'fal could not cancel it (running or done); its result will be ignored';
  }
}
