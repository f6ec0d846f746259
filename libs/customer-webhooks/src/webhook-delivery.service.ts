import { preparedQuery } from '@app/database';
import { AppConfig } from '@app/config';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { signDelivery } from './endpoint-secret';
import { postWebhook } from './safe-webhook-post';

const USER_AGENT = 'ainfographic-webhooks/1 (+Standard Webhooks)';

/** How one attempt ended, for the worker to act on. */
export type DeliveryOutcome =
  | { kind: 'skipped'; reason: string }
  | { kind: 'delivered'; statusCode: number }
  /** Failed; retry later unless this was the last attempt. */
  | { kind: 'failed'; error: string }
  /** Failed, and the endpoint has failed for too long: now disabled; tell its owner. */
  | {
      kind: 'disabled';
      error: string;
      ownerEmail: string;
      endpointId: string;
      url: string;
      failingSince: Date;
    };

interface MessageRow {
  id: string;
  endpoint_id: string;
  payload: string;
  status: string;
  url: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
  disabled_at: Date | null;
}

/**
 * One attempt to deliver one message: signs it anew (the attempt's timestamp; the previous
 * secret too while a rotation overlaps), POSTs it SSRF-safely, records the attempt, and moves the
 * message and its endpoint: a 2xx delivers it and clears the endpoint's failure clock; a failure
 * starts that clock, and once it has run WEBHOOK_DISABLE_AFTER_MS the endpoint is disabled.
 * A message already delivered, failed for good, or whose endpoint is gone is skipped, so a
 * repeated job (a crash, "send again" racing a retry) never sends a finished one twice.
 */
@Injectable()
export class WebhookDeliveryService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  async attempt(messageId: string): Promise<DeliveryOutcome> {
    const [row] = await preparedQuery<MessageRow>(
      this.dataSource,
      `SELECT m.id, m.endpoint_id, m.payload, m.status, e.url, e.secret, e.previous_secret,
              e.previous_secret_expires_at, e.disabled_at
         FROM webhook_messages m JOIN webhook_endpoints e ON e.id = m.endpoint_id
        WHERE m.id = $1`,
      [messageId],
    );
    if (!row) {
      return { kind: 'skipped', reason: 'no such message (its endpoint was deleted)' };
    }
    if (row.status !== 'pending') {
      return { kind: 'skipped', reason: `already ${row.status}` };
    }
    if (row.disabled_at) {
      await this.finish(messageId, 'failed');
      return { kind: 'skipped', reason: 'endpoint disabled' };
    }
    const secrets = [row.secret];
    if (
      row.previous_secret &&
      row.previous_secret_expires_at &&
      row.previous_secret_expires_at > new Date()
    ) {
      secrets.push(row.previous_secret);
    }
    const headers = signDelivery(row.id, row.payload, secrets);
    const { allowInsecureUrls, timeoutMs } = this.config.customerWebhooks;
    const result = await postWebhook(
      row.url,
      row.payload,
      { ...headers },
      {
        timeoutMs,
        allowInsecure: allowInsecureUrls,
        userAgent: USER_AGENT,
      },
    );
    await preparedQuery(
      this.dataSource,
      `INSERT INTO webhook_attempts (message_id, status_code, duration_ms, error)
       VALUES ($1, $2, $3, $4)`,
      [messageId, result.statusCode, result.durationMs, result.error?.slice(0, 300) ?? null],
    );
    if (result.error === null) {
      await this.finish(messageId, 'delivered');
      await preparedQuery(
        this.dataSource,
        `UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL`,
        [row.endpoint_id],
      );
      return { kind: 'delivered', statusCode: result.statusCode! };
    }
    await preparedQuery(
      this.dataSource,
      `UPDATE webhook_messages SET attempts = attempts + 1 WHERE id = $1`,
      [messageId],
    );
    const disabled = await this.disableIfFailingTooLong(row.endpoint_id);
    if (disabled) {
      await this.finish(messageId, 'failed');
      return { kind: 'disabled', error: result.error, ...disabled };
    }
    return { kind: 'failed', error: result.error };
  }

  /**
   * Pending messages whose delivery job must have been lost (a Redis crash or failover; the
   * database is the truth, jobs only ring the bell): nothing tried them for longer than their
   * next retry could be delayed (the backoff doubles per failed attempt) plus `graceMs`.
   * Oldest first, at most `limit`.
   */
  async overdue(graceMs: number, limit: number): Promise<string[]> {
    const rows = await preparedQuery<{ id: string }>(
      this.dataSource,
      `SELECT m.id FROM webhook_messages m
        WHERE m.status = 'pending'
          AND COALESCE((SELECT max(a.attempted_at) FROM webhook_attempts a WHERE a.message_id = m.id),
                       m.created_at)
              + make_interval(secs => ($1::float8 * power(2, m.attempts) + $2) / 1000) < now()
        ORDER BY m.created_at
        LIMIT $3`,
      [this.config.customerWebhooks.retryBaseMs, graceMs, limit],
    );
    return rows.map((row) => row.id);
  }

  /** The last attempt failed: the message is given up (the endpoint stays enabled). */
  async giveUp(messageId: string): Promise<void> {
    await preparedQuery(
      this.dataSource,
      `UPDATE webhook_messages SET status = 'failed' WHERE id = $1 AND status = 'pending'`,
      [messageId],
    );
  }

  private async finish(messageId: string, status: 'delivered' | 'failed'): Promise<void> {
    await preparedQuery(
      this.dataSource,
      status === 'delivered'
        ? `UPDATE webhook_messages SET status = 'delivered', attempts = attempts + 1,
                  delivered_at = now() WHERE id = $1`
        : `UPDATE webhook_messages SET status = 'failed' WHERE id = $1 AND status = 'pending'`,
      [messageId],
    );
  }

  /**
   * Starts the endpoint's failure clock if it is not running; if it has run past the limit,
   * disables the endpoint — once: only the attempt that sets `disabled_at` gets the owner's
   * address back, so the owner is mailed once.
   */
  private async disableIfFailingTooLong(
    endpointId: string,
  ): Promise<{ ownerEmail: string; endpointId: string; url: string; failingSince: Date } | null> {
    // Two statements: one statement cannot update the same row twice.
    await preparedQuery(
      this.dataSource,
      `UPDATE webhook_endpoints SET failing_since = now() WHERE id = $1 AND failing_since IS NULL`,
      [endpointId],
    );
    const [disabled] = await preparedQuery<{ email: string; url: string; failing_since: Date }>(
      this.dataSource,
      `UPDATE webhook_endpoints e SET disabled_at = now()
           FROM users u
          WHERE e.id = $1 AND u.id = e.user_id AND e.disabled_at IS NULL
            AND e.failing_since <= now() - make_interval(secs => $2::double precision / 1000)
          RETURNING u.email, e.url, e.failing_since`,
      [endpointId, this.config.customerWebhooks.disableAfterMs],
    );
    return disabled
      ? {
          ownerEmail: disabled.email,
          endpointId,
          url: disabled.url,
          failingSince: disabled.failing_since,
        }
      : null;
  }
}
