import { AppConfig } from '@app/config';
import type { Infograph } from '@app/database';
import {
  DeliveryLedger,
  type NotificationPrefs,
  PushSender,
  PushSubscriptions,
  pushPayloadFor,
} from '@app/notify';
import { Metrics } from '@app/observability';
import { Injectable, Logger } from '@nestjs/common';

/**
 * The push channel of a finished infograph: one message to each of the owner's subscribed
 * browsers, each sent at most once (DeliveryLedger, target = the subscription). A subscription
 * its push service calls gone (404/410) is removed; any other failure is returned, so the job
 * retries just the ones that failed.
 */
@Injectable()
export class PushNotices {
  private readonly logger = new Logger('Notify');

  constructor(
    private readonly config: AppConfig,
    private readonly ledger: DeliveryLedger,
    private readonly sender: PushSender,
    private readonly subscriptions: PushSubscriptions,
    private readonly metrics: Metrics,
  ) {}

  /** The failures (empty when every subscription got its message or is gone). */
  async send(i: Infograph, prefs: NotificationPrefs): Promise<string[]> {
    if (!this.sender.enabled) {
      return [];
    }
    if (!prefs.push) {
      if (await this.ledger.skip(i.id, 'push')) {
        this.count('skipped_preference');
      }
      return [];
    }
    // Payload URLs point at the web page: PUBLIC_WEB_URL, else the api's own (it serves the page).
    const payload = pushPayloadFor(i, this.config.payments.returnUrl);
    const failures: string[] = [];
    for (const subscription of await this.subscriptions.listOf(i.userId)) {
      const claim = await this.ledger.claim(i.id, 'push', subscription.id);
      if (claim === 'sending') {
        // An earlier run crashed between sending and recording it: at most once (DeliveryLedger).
        await this.ledger.markSent(i.id, 'push', subscription.id);
        this.count('skipped_unknown');
        this.logger.warn(
          `infographId=${i.id} push to subscription ${subscription.id} may or may not have gone out before a crash; not sent again`,
        );
        continue;
      }
      if (claim !== 'claimed') {
        continue;
      }
      const outcome = await this.sender
        .send(subscription, payload)
        .catch((error: unknown) => ({ kind: 'failed' as const, error: (error as Error).message }));
      if (outcome.kind === 'sent') {
        await this.ledger.markSent(i.id, 'push', subscription.id);
        this.count('sent');
      } else if (outcome.kind === 'expired') {
        await this.ledger.release(i.id, 'push', subscription.id);
        await this.subscriptions.remove(subscription.id);
        this.count('expired');
        this.logger.log(
          `infographId=${i.id} push subscription ${subscription.id} removed: its push service answered ${outcome.statusCode}`,
        );
      } else {
        await this.ledger.release(i.id, 'push', subscription.id);
        this.count('failed');
        failures.push(`subscription ${subscription.id}: ${outcome.error}`);
      }
    }
    return failures;
  }

  private count(outcome: string): void {
    this.metrics.notifications.inc({ channel: 'push', outcome });
  }
}
