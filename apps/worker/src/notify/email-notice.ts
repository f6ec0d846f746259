import { PublicUrls } from '@app/config';
import type { Infograph } from '@app/database';
import { Mailer } from '@app/notifications';
import { DeliveryLedger, UnsubscribeLinks } from '@app/notify';
import { Metrics } from '@app/observability';
import { Injectable, Logger } from '@nestjs/common';

/**
 * The e-mail channel of a finished infograph, sent at most once (DeliveryLedger), unless the
 * owner turned e-mails off or saw the result live on an open page while the e-mail waited.
 */
@Injectable()
export class EmailNotice {
  private readonly logger = new Logger('Notify');

  constructor(
    private readonly ledger: DeliveryLedger,
    private readonly mailer: Mailer,
    private readonly unsubscribe: UnsubscribeLinks,
    private readonly urls: PublicUrls,
    private readonly metrics: Metrics,
  ) {}

  /** Records (once) that the owner does not want it. */
  async skipByPreference(i: Infograph): Promise<void> {
    if (await this.ledger.skip(i.id, 'email')) {
      this.count('skipped_preference');
    }
  }

  /** `i` as read by this run (after the wait): its `seenAt` says whether the page showed it. */
  async send(i: Infograph & { ownerEmail: string }): Promise<'sent' | 'skipped'> {
    if (i.seenAt) {
      if (await this.ledger.skip(i.id, 'email')) {
        this.count('skipped_seen');
      }
      return 'skipped';
    }
    const claim = await this.ledger.claim(i.id, 'email');
    if (claim === 'sending') {
      // An earlier run crashed between the SMTP answer and the marker: at most once (DeliveryLedger).
      await this.ledger.markSent(i.id, 'email');
      this.count('skipped_unknown');
      this.logger.warn(
        `infographId=${i.id} e-mail may or may not have gone out before a crash; not sent again`,
      );
      return 'skipped';
    }
    if (claim !== 'claimed') {
      return 'skipped';
    }
    try {
      await this.mail(i);
    } catch (error) {
      await this.ledger.release(i.id, 'email');
      this.count('failed');
      throw error;
    }
    await this.ledger.markSent(i.id, 'email');
    this.count('sent');
    return 'sent';
  }

  private mail(i: Infograph & { ownerEmail: string }): Promise<void> {
    const unsubscribeUrl = this.unsubscribe.linkFor(i.userId, 'email');
    if (i.status === 'completed' && i.imageUrl) {
      return this.mailer.sendInfographReady(i.ownerEmail, {
        infographId: i.id,
        prompt: i.prompt,
        imageUrl: i.imageUrl,
        statusUrl: this.urls.statusOf(i.id),
        unsubscribeUrl,
      });
    }
    return this.mailer.sendInfographFailed(i.ownerEmail, {
      infographId: i.id,
      prompt: i.prompt,
      reason: i.errorMessage ?? 'unknown error',
      refundedCredits: i.creditsCharged,
      unsubscribeUrl,
    });
  }

  private count(outcome: string): void {
    this.metrics.notifications.inc({ channel: 'email', outcome });
  }
}
