import type { NotificationChannel } from '@app/database';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** What `claim` found: the send is this caller's to make, or what an earlier run left. */
export type Claim = 'claimed' | 'sent' | 'skipped' | 'sending';

/**
 * Per-channel sent markers for one infograph's notices (`notification_deliveries`), so a notify
 * job that is retried after a failure or a crash sends nothing that already went out.
 *
 * Protocol: claim (insert `sending`) → send → mark `sent`; a send that fails releases its claim
 * (the row is deleted) so the retry sends it. What "exactly once" means at the boundary: the one
 * instant this cannot close is between the send reaching the outside (SMTP accepted the message,
 * the push service answered 201) and the `sent` marker being written. A crash exactly there leaves
 * the row `sending`, and the retry does NOT send again: push and e-mail are at most once there
 * (one notice may be lost, never duplicated), and the loss is counted
 * (`ainfographic_notifications_total{outcome="skipped_unknown"}`) and logged. The live event is the
 * exception: it carries the infograph's whole state, so a client that gets it twice is none the
 * worse, and a `sending` left behind is sent again (at least once). Customers' webhooks keep their
 * own idempotency (one message per endpoint and event key: libs/customer-webhooks).
 */
@Injectable()
export class DeliveryLedger {
  constructor(private readonly dataSource: DataSource) {}

  async claim(infographId: string, channel: NotificationChannel, target = ''): Promise<Claim> {
    const inserted = await this.dataSource.query<unknown[]>(
      `INSERT INTO notification_deliveries (infograph_id, channel, target, state)
       VALUES ($1, $2, $3, 'sending') ON CONFLICT DO NOTHING RETURNING 1`,
      [infographId, channel, target],
    );
    if (inserted.length > 0) {
      return 'claimed';
    }
    const rows = await this.dataSource.query<{ state: Claim }[]>(
      `SELECT state FROM notification_deliveries
        WHERE infograph_id = $1 AND channel = $2 AND target = $3`,
      [infographId, channel, target],
    );
    // Released between the insert and the select (a concurrent run's failed send): ours now.
    return rows[0]?.state ?? this.claim(infographId, channel, target);
  }

  async markSent(infographId: string, channel: NotificationChannel, target = ''): Promise<void> {
    await this.dataSource.query(
      `UPDATE notification_deliveries SET state = 'sent', updated_at = now()
        WHERE infograph_id = $1 AND channel = $2 AND target = $3`,
      [infographId, channel, target],
    );
  }

  /** After a send that certainly did not go out (or was refused): the retry may send it. */
  async release(infographId: string, channel: NotificationChannel, target = ''): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM notification_deliveries
        WHERE infograph_id = $1 AND channel = $2 AND target = $3 AND state = 'sending'`,
      [infographId, channel, target],
    );
  }

  /**
   * Records a decision not to send (preference off, seen live); true the first time only, so a
   * re-run neither counts it again nor changes its mind.
   */
  async skip(infographId: string, channel: NotificationChannel, target = ''): Promise<boolean> {
    const inserted = await this.dataSource.query<unknown[]>(
      `INSERT INTO notification_deliveries (infograph_id, channel, target, state)
       VALUES ($1, $2, $3, 'skipped') ON CONFLICT DO NOTHING RETURNING 1`,
      [infographId, channel, target],
    );
    return inserted.length > 0;
  }
}
