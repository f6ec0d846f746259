import { AppConfig } from '@app/config';
import { FalWebhookOutcome, preparedQuery } from '@app/database';
import { WebhookSignatureError } from '@app/fal';
import { Metrics } from '@app/observability';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { RejectionSampler } from './rejection-sampler';

/** What we keep of one delivery (never its body: fal's payload is fal's to keep). */
export interface DeliveryRecord {
  infographId: string | null;
  falRequestId: string | null;
  falStatus: 'OK' | 'ERROR' | null;
  outcome: FalWebhookOutcome;
  signatureVerified: boolean;
}

/** fal_webhook_deliveries and the deliveries metric: every delivery counted, and recorded. */
@Injectable()
export class FalDeliveryRecords {
  private readonly logger = new Logger('FalWebhook');
  private readonly rejections: RejectionSampler;

  constructor(
    config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly metrics: Metrics,
  ) {
    this.rejections = new RejectionSampler(config.webhooks.rejectionsRecordedPerMinute, 60_000);
  }

  async record(delivery: DeliveryRecord): Promise<void> {
    this.metrics.falWebhookDeliveries.inc({ outcome: delivery.outcome });
    await this.insert(delivery);
  }

  /** A delivery whose image the state service recorded together with its row (the fast path). */
  countAccepted(): void {
    this.metrics.falWebhookDeliveries.inc({ outcome: 'accepted' });
  }

  /**
   * Worth a line and a row: a forgery, a clock off by minutes, or fal's keys out of reach. But
   * anyone can send these, so every one is counted and only a sample is written. Returns whether
   * this one was recorded.
   */
  async recordRejection(infographId: string, error: WebhookSignatureError): Promise<boolean> {
    this.metrics.falWebhookDeliveries.inc({ outcome: 'invalid_signature' });
    const sample = this.rejections.admit();
    if (!sample.record) {
      return false;
    }
    const unrecorded = sample.suppressedBefore
      ? ` (${sample.suppressedBefore} earlier rejections were counted but not logged)`
      : '';
    this.logger.warn(`webhook for ${infographId} rejected: ${error.message}${unrecorded}`);
    await this.insert({
      infographId: null,
      falRequestId: null,
      falStatus: null,
      outcome: 'invalid_signature',
      signatureVerified: false,
    });
    return true;
  }

  private async insert(d: DeliveryRecord): Promise<void> {
    await preparedQuery(
      this.dataSource,
      `INSERT INTO fal_webhook_deliveries (infograph_id, fal_request_id, fal_status, outcome, signature_verified)
       VALUES ($1, $2, $3, $4, $5)`,
      [d.infographId, d.falRequestId, d.falStatus, d.outcome, d.signatureVerified],
    );
  }
}
