import { CreditsService, creditsUpdatedEvent } from '@app/credits';
import { RealtimePublisher } from '@app/notifications';
import { Injectable, Logger } from '@nestjs/common';

/**
 * Tells a user's open pages their balance after Stripe's webhook changed it. Published from the
 * api, not libs/payments: buying credits knows nothing of notifications (.dependency-cruiser.cjs,
 * `payments-only-to-credits-and-foundation`). Best effort: the change is committed, and a page
 * that misses the event reads the balance again when its socket (re)connects or it polls.
 */
@Injectable()
export class BalanceEvents {
  private readonly logger = new Logger('StripeWebhook');

  constructor(
    private readonly credits: CreditsService,
    private readonly publisher: RealtimePublisher,
  ) {}

  /** Never throws: a failure here must not turn Stripe's answer into a 5xx and a redelivery. */
  async publish(userId: string): Promise<void> {
    try {
      // Read after the commit, so the event carries the balance as it stands, whatever else
      // (a charge, another event) changed it meanwhile.
      const balance = await this.credits.balanceOf(userId);
      await this.publisher.publish(creditsUpdatedEvent(userId, balance));
    } catch (error) {
      this.logger.warn(
        `credits.updated for user ${userId} not published: ${(error as Error).message}`,
      );
    }
  }
}
