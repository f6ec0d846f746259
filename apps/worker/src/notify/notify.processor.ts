import { AppConfig, PublicUrls } from '@app/config';
import { type Infograph, isTerminal } from '@app/database';
import { WebhookAnnouncer } from '@app/customer-webhooks';
import { InfographStateService, toInfographUpdate } from '@app/infographs';
import { Mailer } from '@app/notifications';
import { JobData, QUEUES } from '@app/queues';
import { Processor } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Job } from 'bullmq';

import { StepProcessor } from '../step-processor';
import { RealtimeEvents } from './realtime-events';

/**
 * Tells the user an infograph is done (completed or failed): a real-time event to open pages, an
 * event to their webhook endpoints, and an e-mail (none for a cancel: the user asked for it). A failure here retries the job and never
 * touches the infograph's status.
 */
@Processor(QUEUES.notify)
export class NotifyProcessor extends StepProcessor {
  private readonly logger = new Logger('Notify');

  constructor(
    config: AppConfig,
    private readonly events: RealtimeEvents,
    private readonly mailer: Mailer,
    private readonly state: InfographStateService,
    private readonly urls: PublicUrls,
    private readonly webhooks: WebhookAnnouncer,
  ) {
    super(config);
  }

  protected async run(job: Job<JobData<'notify'>>): Promise<string> {
    const infograph = await this.state.findWithOwnerEmail(job.data.infographId);
    if (!infograph || !isTerminal(infograph.status)) {
      return 'skipped: not terminal';
    }
    // The event first and the e-mail last: nothing can fail after the e-mail went out, so a
    // retry never sends it twice.
    await this.events.publishOrThrow(infograph);
    // Customers' endpoints next (idempotent per infograph and endpoint), still before the e-mail.
    await this.announce(infograph);
    if (infograph.errorCode === 'cancelled') {
      // The user did it themselves (their page hears of it): no e-mail about it.
      return infograph.status;
    }
    await this.sendMail(infograph.ownerEmail, infograph);
    this.logger.log(
      `infographId=${infograph.id} jobId=${job.id} queue=notify told ${infograph.ownerEmail}: ${infograph.status}`,
    );
    return infograph.status;
  }

  /** `infograph.completed` or `infograph.failed` (a cancel included) to the owner's endpoints. */
  private announce(i: Infograph): Promise<string[]> {
    const type = i.status === 'completed' ? 'infograph.completed' : 'infograph.failed';
    return this.webhooks.announce(i.userId, type, `${type}:${i.id}`, toInfographUpdate(i));
  }

  private sendMail(to: string, i: Infograph): Promise<void> {
    if (i.status === 'completed' && i.imageUrl) {
      return this.mailer.sendInfographReady(to, {
        infographId: i.id,
        prompt: i.prompt,
        imageUrl: i.imageUrl,
        statusUrl: this.urls.statusOf(i.id),
      });
    }
    return this.mailer.sendInfographFailed(to, {
      infographId: i.id,
      prompt: i.prompt,
      reason: i.errorMessage ?? 'unknown error',
      refundedCredits: i.creditsCharged,
    });
  }
}
