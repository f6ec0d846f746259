import { AppConfig } from '@app/config';
import { WebhookAnnouncer } from '@app/customer-webhooks';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';

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
    private readonly dataSource: DataSource,
    private readonly announcer: WebhookAnnouncer,
    private readonly config: AppConfig,
  ) {}

  /** `eventKey`: what makes this charge's event unique (its first infograph's id). */
  async afterCharge(userId: string, charged: number, eventKey: string): Promise<void> {
    const threshold = this.config.customerWebhooks.creditsLowThreshold;
    if (threshold <= 0 || charged <= 0) {
      return;
    }
    try {
      const [user]: { balance: number }[] = await this.dataSource.query(
        'SELECT balance FROM users WHERE id = $1',
        [userId],
      );
      if (user && user.balance < threshold && user.balance + charged >= threshold) {
        await this.announcer.announce(userId, 'credits.low', `credits.low:${eventKey}`, {
          balance: user.balance,
          threshold,
        });
      }
    } catch (error) {
      this.logger.warn(`credits.low not announced: ${(error as Error).message}`);
    }
  }
}
