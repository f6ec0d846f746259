import { AppConfig } from '@app/config';
import { preparedQuery } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** At most this many rows per run: a large backlog drains over several runs, never in one lock. */
const BATCH = 5000;

/**
 * Keeps fal_webhook_deliveries, and the customer webhook messages that are finished (delivered or
 * given up; their attempts go with them), to the retention period
 * (`WEBHOOK_DELIVERY_RETENTION_DAYS`). Pending messages stay whatever their age.
 */
@Injectable()
export class DeliveryRetention {
  constructor(
    private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** Deletes one batch of each past retention, oldest first; returns how many. */
  async prune(): Promise<number> {
    const deleted = await preparedQuery<{ id: string }>(
      this.dataSource,
      `DELETE FROM fal_webhook_deliveries
        WHERE id IN (SELECT id FROM fal_webhook_deliveries
                      WHERE received_at < now() - make_interval(days => $1)
                      ORDER BY received_at LIMIT $2)
        RETURNING id`,
      [this.config.webhooks.retentionDays, BATCH],
    );
    const messages = await preparedQuery<{ id: string }>(
      this.dataSource,
      `DELETE FROM webhook_messages
        WHERE id IN (SELECT id FROM webhook_messages
                      WHERE created_at < now() - make_interval(days => $1) AND status <> 'pending'
                      ORDER BY created_at LIMIT $2)
        RETURNING id`,
      [this.config.webhooks.retentionDays, BATCH],
    );
    return deleted.length + messages.length;
  }
}
