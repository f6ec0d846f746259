import { AppConfig } from '@app/config';
import { WebhookDeliveryService } from '@app/customer-webhooks';
import { Mailer } from '@app/notifications';
import { JobData, QUEUES, isLastAttempt } from '@app/queues';
import { Processor } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';

import { StepProcessor } from '../step-processor';

/**
 * Delivers one customer webhook message per job (the job id is the message's: `deliver-<id>`).
 * A failed attempt throws, and BullMQ retries with the queue's backoff (doubling delays with
 * jitter, about a day in all); the last one gives the message up. A worker killed mid-attempt
 * leaves the job stalled, and BullMQ runs it again: the same message, so the same `webhook-id`
 * (at least once; receivers dedupe). An endpoint failing for too long is disabled here, and its
 * owner mailed, once.
 */
@Processor(QUEUES['customer-webhook'])
export class WebhookDeliveryProcessor extends StepProcessor {
  private readonly logger = new Logger('CustomerWebhooks');

  constructor(
    config: AppConfig,
    private readonly delivery: WebhookDeliveryService,
    private readonly mailer: Mailer,
  ) {
    super(config);
  }

  protected async run(job: Job<JobData<'customer-webhook'>>): Promise<string> {
    const { messageId } = job.data;
    const outcome = await this.delivery.attempt(messageId);
    const context = `messageId=${messageId} jobId=${job.id} attempt=${job.attemptsMade + 1}`;
    switch (outcome.kind) {
      case 'skipped':
        return `skipped: ${outcome.reason}`;
      case 'delivered':
        return `delivered: HTTP ${outcome.statusCode}`;
      case 'disabled':
        this.logger.warn(`${context} endpoint ${outcome.endpointId} disabled: ${outcome.error}`);
        // Mail failures retry the job, which then finds the message failed and skips: the
        // endpoint stays disabled either way, and the owner can see it in the list.
        await this.mailer.sendWebhookEndpointDisabled(outcome.ownerEmail, {
          endpointId: outcome.endpointId,
          url: outcome.url,
          failingSince: outcome.failingSince,
        });
        throw new UnrecoverableError(`endpoint disabled: ${outcome.error}`);
      case 'failed':
        if (isLastAttempt(job)) {
          await this.delivery.giveUp(messageId);
          this.logger.warn(`${context} given up: ${outcome.error}`);
          throw new UnrecoverableError(outcome.error);
        }
        throw new Error(outcome.error);
    }
  }
}
