import { AppConfig } from '@app/config';
import { WebhookAnnouncer } from '@app/customer-webhooks';
import { Injectable, Logger } from '@nestjs/common';

/**
 * `credits.low` to the user's endpoints when a charge takes the balance from CREDITS_LOW_THRESHOLD
 * or more to below it (once per crossing, not on every create below it). Best effort: the create
 * has committed and answers regardless; two creates racing across the line may both see it
 * crossed by the other, or both tell it, which receivers dedupe by their own rules.
 */
@Injectable()
export class CreditsLowAlert {
  private readonly logger = new Logger('CustomerWebhooks');

  constructor(
    private readonly announcer: WebhookAnnouncer,
    private readonly config: AppConfig,
  ) {}

  /**
   * `balance`: right after this charge (the charge statement returns it, so the common case, no
   * crossing, costs no query). `eventKey`: what makes this charge's event unique (its first
   * infograph's id).
   */
  async afterCharge(
    userId: string,
    charged: number,
    balance: number,
    eventKey: string,
  ): Promise<void> {
    const threshold = this.config.customerWebhooks.creditsLowThreshold;
    if (threshold <= 0 || charged <= 0 || balance >= threshold || balance + charged < threshold) {
      return;
    }
    try {
      await this.announcer.announce(userId, 'credits.low', `credits.low:${eventKey}`, {
        balance,
        threshold,
      });
    } catch (error) {
      this.logger.warn(`credits.low not announced: ${(error as Error).message}`);
    }
  }
}
