import { AppConfig } from '@app/config';
import { FalGateway, FalWebhookUrls } from '@app/fal';
import { InfographStateService } from '@app/infographs';
import { Metrics } from '@app/observability';
import { JobData, QUEUES } from '@app/queues';
import { Processor } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Job } from 'bullmq';

import { FailureAccountant } from '../failure/failure-accountant';
import { skippedBecause } from '../skipped';
import { StepProcessor } from '../step-processor';
import { RealtimeEvents } from '../notify/realtime-events';
import { BlogContextService } from './blog-context.service';
import { falInputFor } from './fal-input';
import { buildPrompt } from './prompt-template';

/** pending → processing: scrape the blog (if any), build the prompt, submit to fal with our webhook. */
@Processor(QUEUES.submit)
export class SubmitProcessor extends StepProcessor {
  private readonly logger = new Logger('Submit');

  constructor(
    config: AppConfig,
    private readonly state: InfographStateService,
    private readonly blogs: BlogContextService,
    private readonly fal: FalGateway,
    private readonly webhookUrls: FalWebhookUrls,
    private readonly failures: FailureAccountant,
    private readonly events: RealtimeEvents,
    private readonly metrics: Metrics,
  ) {
    super(config);
  }

  protected async run(job: Job<JobData<'submit'>>): Promise<string> {
    const { infographId } = job.data;
    const infograph = await this.state.find(infographId);
    if (!infograph || infograph.status !== 'pending') {
      return skippedBecause(infograph?.status, 'pending');
    }
    try {
      const blog = infograph.blogUrl
        ? await this.blogs.forBatch(infograph.batchId, infograph.blogUrl)
        : null;
      const prompt = buildPrompt(infograph.prompt, blog);
      const webhookUrl = this.webhookUrls.forInfograph(infograph.id);
      const stopTimer = this.metrics.falSubmitDuration.startTimer();
      const submitted = this.fal.submit(falInputFor(infograph, prompt), webhookUrl);
      const { requestId } = await submitted.finally(() => stopTimer());
      const submittedRow = await this.state.markProcessing(infograph.id, requestId, prompt);
      if (!submittedRow) {
        // Another run got there first (a retry racing a stalled job): this fal request is surplus.
        await this.fal.cancel(requestId).catch(() => undefined);
        return 'skipped: submitted by another run';
      }
      this.logger.log(
        `infographId=${infograph.id} jobId=${job.id} queue=submit submitted as ${requestId}`,
      );
      await this.events.publish(submittedRow);
      return requestId;
    } catch (error) {
      return this.failures.handle(job, infograph.id, error);
    }
  }
}
