import { AppConfig } from '@app/config';
import { type Infograph, isTerminal } from '@app/database';
import { WebhookAnnouncer } from '@app/customer-webhooks';
import { type InfographForNotice, InfographStateService, toInfographUpdate } from '@app/infographs';
import { Metrics } from '@app/observability';
import { JobData, QUEUES, isLastAttempt } from '@app/queues';
import { Processor } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { DelayedError, Job } from 'bullmq';

import { StepProcessor } from '../step-processor';
import { EmailNotice } from './email-notice';
import { PushNotices } from './push-notices';
import { RealtimeEvents } from './realtime-events';

/**
 * Tells the user an infograph is done (completed or failed), on four channels, each its own
 * idempotent step so that a retry after a failure or a crash re-sends nothing that went out:
 *  1. a live event to open pages (carries the whole state: sent again on a retry, harmless);
 *  2. customers' webhook endpoints (one message per endpoint and event: libs/customer-webhooks);
 *  3. a Web Push to each subscribed browser and 4. an e-mail, each recorded per infograph,
 *     channel and target (DeliveryLedger, which also says what "exactly once" means at the
 *     boundary). None of these for a cancel but the first two: the user asked for it.
 * The e-mail waits NOTIFY_EMAIL_DELAY_MS after the job was queued (the job moves itself to the
 * delayed set, holding no worker slot) and is skipped if the owner saw the result live meanwhile.
 * A failure retries the job and never touches the infograph's status.
 */
@Processor(QUEUES.notify)
export class NotifyProcessor extends StepProcessor {
  private readonly logger = new Logger('Notify');

  constructor(
    config: AppConfig,
    private readonly events: RealtimeEvents,
    private readonly email: EmailNotice,
    private readonly push: PushNotices,
    private readonly state: InfographStateService,
    private readonly webhooks: WebhookAnnouncer,
    private readonly metrics: Metrics,
  ) {
    super(config);
  }

  protected async run(job: Job<JobData<'notify'>>, token?: string): Promise<string> {
    const infograph = await this.state.findForNotice(job.data.infographId);
    if (!infograph || !isTerminal(infograph.status)) {
      return 'skipped: not terminal';
    }
    // Marked once every channel is done (a retry or the e-mail's wait throws before), or given
    // up: a finished row without the mark lost its job, and the reconciler enqueues it again.
    let told: string;
    try {
      told = await this.tell(job, infograph, token);
    } catch (error) {
      if (!(error instanceof DelayedError) && isLastAttempt(job)) {
        await this.state.markNotified(infograph.id);
      }
      throw error;
    }
    await this.state.markNotified(infograph.id);
    return told;
  }

  private async tell(
    job: Job<JobData<'notify'>>,
    infograph: InfographForNotice,
    token?: string,
  ): Promise<string> {
    const waiting = this.emailDueAt(job) > Date.now();
    // After the e-mail's wait (a second run of the same job) the first three went out already.
    if (!this.isAfterWait(job)) {
      await this.publish(infograph);
      const queued = await this.announce(infograph);
      // Each message's own attempts are in its endpoint's deliveries (libs/customer-webhooks).
      this.metrics.notifications.inc({ channel: 'webhooks', outcome: 'queued' }, queued.length);
    }
    if (infograph.errorCode === 'cancelled') {
      // The user did it themselves (their page hears of it): no push, no e-mail.
      return infograph.status;
    }
    // Read at every run (with the infograph): a preference changed during the e-mail's wait counts.
    const prefs = infograph.owner;
    if (!prefs) {
      return 'skipped: owner deleted';
    }
    const pushFailures = await this.push.send(infograph, prefs);
    if (!prefs.email) {
      await this.email.skipByPreference(infograph);
    } else if (waiting) {
      // Push failures, if any, are tried again after the wait, with the e-mail.
      await job.updateProgress({ emailWait: true });
      await job.moveToDelayed(this.emailDueAt(job), token);
      // Tells BullMQ the job was moved, not finished (it runs again when the wait is over).
      throw new DelayedError();
    } else {
      const sent = await this.email.send(infograph);
      this.logger.log(
        `infographId=${infograph.id} jobId=${job.id} queue=notify e-mail ${sent} (${infograph.ownerEmail}): ${infograph.status}`,
      );
    }
    if (pushFailures.length > 0) {
      // Only the failed subscriptions are tried again: the rest and the e-mail are marked sent.
      throw new Error(`push failed: ${pushFailures.join('; ')}`);
    }
    return infograph.status;
  }

  private async publish(i: Infograph): Promise<void> {
    try {
      await this.events.publishOrThrow(i);
    } catch (error) {
      this.metrics.notifications.inc({ channel: 'realtime', outcome: 'failed' });
      throw error;
    }
    this.metrics.notifications.inc({ channel: 'realtime', outcome: 'sent' });
  }

  /** When the e-mail may go: NOTIFY_EMAIL_DELAY_MS after the job was queued (retries keep it). */
  private emailDueAt(job: Job): number {
    return job.timestamp + this.config.notify.emailDelayMs;
  }

  private isAfterWait(job: Job): boolean {
    const progress = job.progress as { emailWait?: boolean } | number;
    return typeof progress === 'object' && progress.emailWait === true;
  }

  /** `infograph.completed` or `infograph.failed` (a cancel included) to the owner's endpoints. */
  private announce(i: Infograph): Promise<string[]> {
    const type = i.status === 'completed' ? 'infograph.completed' : 'infograph.failed';
    return this.webhooks.announce(i.userId, type, `${type}:${i.id}`, toInfographUpdate(i));
  }
}
