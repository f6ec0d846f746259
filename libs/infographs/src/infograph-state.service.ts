import { CreditsService } from '@app/credits';
import { Infograph, type InfographErrorCode, preparedQuery } from '@app/database';
import { FailureClass, Metrics } from '@app/observability';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

import { failureMessage } from './failure-message';
import type { GeneratedImage } from './generation-outcome';

/** Why an infograph failed: the code clients branch on, the message people read, the metrics class. */
export interface InfographFailure {
  code: InfographErrorCode;
  reason: string;
  reasonClass: FailureClass;
}

/** What a cancel that won found: fal's request, when there is one to cancel there too. */
export interface CancelledInfograph {
  falRequestId: string | null;
}

/** An infograph and its owner, for the notify step: their address, and their notice choices. */
export type InfographForNotice = Infograph & {
  ownerEmail: string;
  /** Whether they want an e-mail and a push; null when the account is gone. */
  owner: { email: boolean; push: boolean } | null;
};

/** Every column, aliased to the entity's property names (a test compares with TypeORM's read). */
const INFOGRAPH_COLUMNS = `id, user_id AS "userId", batch_id AS "batchId", prompt, blog_url AS "blogUrl",
  aspect_ratio AS "aspectRatio", resolution, status, credits_charged AS "creditsCharged",
  enhanced_prompt AS "enhancedPrompt", fal_request_id AS "falRequestId",
  fal_image_url AS "falImageUrl", image_url AS "imageUrl", width, height,
  content_type AS "contentType", error_message AS "errorMessage", error_code AS "errorCode",
  created_at AS "createdAt", updated_at AS "updatedAt", submitted_at AS "submittedAt",
  completed_at AS "completedAt", seen_at AS "seenAt", notified_at AS "notifiedAt",
  fal_queue_position AS "falQueuePosition"`;

/**
 * processing (or, with $7, a pending row without a request id) → fal's image recorded, for request
 * $2 only, once. Shared by the two statements that record an image.
 */
const RECORD_IMAGE = `UPDATE infographs
    SET fal_image_url = $3, width = $4, height = $5, content_type = $6,
        status = 'processing', fal_request_id = $2,
        submitted_at = COALESCE(submitted_at, now()), updated_at = now()
  WHERE id = $1 AND fal_image_url IS NULL
    AND ((status = 'processing' AND fal_request_id = $2)
      OR ($7 AND status = 'pending' AND fal_request_id IS NULL))
  RETURNING id`;

function recordImageParams(id: string, falRequestId: string, image: GeneratedImage): unknown[] {
  return [
    id,
    falRequestId,
    image.url,
    image.width ?? null,
    image.height ?? null,
    image.contentType ?? null,
  ];
}

/**
 * The status machine: each transition is one conditional UPDATE that says whether this call won,
 * so concurrent or repeated steps (retries, duplicate webhooks, the reconciler) are harmless.
 * pending → processing → completed, and pending|processing → failed; terminal states never change.
 */
@Injectable()
export class InfographStateService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly credits: CreditsService,
    private readonly metrics: Metrics,
  ) {}

  /** One infograph by id: a hand-written read, since the webhook and every job start here. */
  async find(id: string): Promise<Infograph | null> {
    const rows = await preparedQuery<Partial<Infograph>>(
      this.dataSource,
      `SELECT ${INFOGRAPH_COLUMNS} FROM infographs WHERE id = $1`,
      [id],
    );
    return rows[0] ? Object.assign(new Infograph(), rows[0]) : null;
  }

  /**
   * How many infographs were created with this one (its batch). A batch is inserted in one
   * transaction, so its rows share the owner and created_at: the (user_id, created_at) index finds
   * them without an index on batch_id.
   */
  async batchSize(i: Pick<Infograph, 'userId' | 'createdAt' | 'batchId'>): Promise<number> {
    const rows = await preparedQuery<{ n: number }>(
      this.dataSource,
      `SELECT count(*)::int AS n FROM infographs
        WHERE user_id = $1 AND created_at = $2 AND batch_id = $3`,
      [i.userId, i.createdAt, i.batchId],
    );
    return rows[0]?.n ?? 1;
  }

  /**
   * The infograph with what telling its owner needs, in one statement (the notify step runs it
   * once per run): their address and their current choices; `owner` is null once the account is
   * gone.
   */
  async findForNotice(id: string): Promise<InfographForNotice | null> {
    const rows = await preparedQuery<
      Partial<Infograph> & { email: string | null; notifyEmail: boolean; notifyPush: boolean }
    >(
      this.dataSource,
      `SELECT i.*, u.email, u.notify_email AS "notifyEmail", u.notify_push AS "notifyPush"
         FROM (SELECT ${INFOGRAPH_COLUMNS} FROM infographs WHERE id = $1) i
         LEFT JOIN users u ON u.id = i."userId" AND u.deleted_at IS NULL`,
      [id],
    );
    if (!rows[0]) {
      return null;
    }
    const { email, notifyEmail, notifyPush, ...infograph } = rows[0];
    return Object.assign(new Infograph(), infograph, {
      ownerEmail: email ?? '',
      owner: email === null ? null : { email: notifyEmail, push: notifyPush },
    });
  }

  /** Its owner was told on every channel: the reconciler need not enqueue its notify again. */
  async markNotified(id: string): Promise<void> {
    await preparedQuery(
      this.dataSource,
      `UPDATE infographs SET notified_at = now() WHERE id = $1 AND notified_at IS NULL`,
      [id],
    );
  }

  /**
   * pending → processing, recording fal's request id; the row as it is now, or null if another
   * request got there first. Also the row when fal's webhook got here first and already recorded
   * this very request id (see `claimForWebhook`): the request is ours.
   */
  async markProcessing(
    id: string,
    falRequestId: string,
    enhancedPrompt: string,
    falQueuePosition: number | null = null,
  ): Promise<Infograph | null> {
    const rows = await preparedQuery<Partial<Infograph>>(
      this.dataSource,
      `UPDATE infographs
          SET status = CASE WHEN status = 'pending' THEN 'processing' ELSE status END,
              fal_request_id = $2, enhanced_prompt = $3, fal_queue_position = $4,
              submitted_at = COALESCE(submitted_at, now()), updated_at = now()
        WHERE id = $1 AND (status = 'pending' OR fal_request_id = $2)
        RETURNING ${INFOGRAPH_COLUMNS}`,
      [id, falRequestId, enhancedPrompt, falQueuePosition],
    );
    return rows[0] ? Object.assign(new Infograph(), rows[0]) : null;
  }

  /**
   * fal's latest word on how many are ahead of it in its queue (the reconciler's status calls),
   * for the request it is still waiting on. Not an update a client sees as progress: updated_at
   * stays.
   */
  async recordFalQueuePosition(id: string, falRequestId: string, position: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE infographs SET fal_queue_position = $3
        WHERE id = $1 AND fal_request_id = $2 AND status = 'processing' AND fal_image_url IS NULL`,
      [id, falRequestId, position],
    );
  }

  /**
   * A signed webhook that beat the worker's `markProcessing` (fal can answer in milliseconds):
   * fal sent it to this infograph's own URL, so its request id is this infograph's. Moves
   * pending → processing with that id; false if the row already has one.
   */
  claimForWebhook(id: string, falRequestId: string): Promise<boolean> {
    return this.transition(
      id,
      ['pending'],
      `status = 'processing', fal_request_id = $2, submitted_at = now()`,
      [falRequestId],
      `AND fal_request_id IS NULL`,
    );
  }

  /** Records fal's image on a processing infograph, once: a duplicate delivery loses. */
  async recordFalImage(id: string, falRequestId: string, image: GeneratedImage): Promise<boolean> {
    const moved = await preparedQuery(this.dataSource, RECORD_IMAGE, [
      ...recordImageParams(id, falRequestId, image),
      false,
    ]);
    return moved.length === 1;
  }

  /**
   * The webhook's common case in one statement: fal's image recorded (once) together with the
   * delivery that brought it. With `claimPending` (a signed delivery to the URL we gave fal for
   * this infograph) it also takes a pending row whose request id the worker has not saved yet:
   * fal can answer within milliseconds of the submit. False when nothing moved.
   */
  async recordDeliveredImage(
    id: string,
    falRequestId: string,
    image: GeneratedImage,
    delivery: { claimPending: boolean; signatureVerified: boolean },
  ): Promise<boolean> {
    const moved = await preparedQuery(
      this.dataSource,
      `WITH moved AS (${RECORD_IMAGE}),
       delivery AS (
         INSERT INTO fal_webhook_deliveries
                (infograph_id, fal_request_id, fal_status, outcome, signature_verified)
         SELECT id, $2, 'OK', 'accepted', $8 FROM moved)
       SELECT id FROM moved`,
      [
        ...recordImageParams(id, falRequestId, image),
        delivery.claimPending,
        delivery.signatureVerified,
      ],
    );
    return moved.length === 1;
  }

  /** processing → completed, once the image is in our storage. */
  markCompleted(
    id: string,
    image: { imageUrl: string; width: number | null; height: number | null; contentType: string },
  ): Promise<boolean> {
    return this.transition(
      id,
      ['processing'],
      `status = 'completed', image_url = $2, width = COALESCE($3, width), height = COALESCE($4, height),
       content_type = $5, completed_at = now(), error_message = NULL`,
      [image.imageUrl, image.width, image.height, image.contentType],
    );
  }

  /**
   * The one place an infograph becomes failed: in a single transaction, the status changes (only
   * from pending/processing) and the refund is written (at most once, enforced by the database).
   * Returns whether this call failed it; false if it was already terminal.
   */
  async failAndRefund(id: string, failure: InfographFailure): Promise<boolean> {
    return (await this.failAndRefundReturning(id, failure)) !== null;
  }

  /**
   * The user's cancel: a failure like any other (`error_code` `cancelled`, refunded in the same
   * transaction), so it races the webhook, the upload, the reconciler and a retried submit through
   * the same conditional UPDATE and exactly one of them wins. Null if it was already terminal.
   */
  cancel(id: string): Promise<CancelledInfograph | null> {
    return this.failAndRefundReturning(id, {
      code: 'cancelled',
      reason: failureMessage('cancelled'),
      reasonClass: 'cancelled',
    });
  }

  /** Deletes the row (its refund, if any, stays in the ledger with no infograph); false if none. */
  async delete(userId: string, id: string): Promise<boolean> {
    const rows = await preparedQuery(
      this.dataSource,
      `DELETE FROM infographs WHERE id = $1 AND user_id = $2 RETURNING 1`,
      [id, userId],
    );
    return rows.length === 1;
  }

  private async failAndRefundReturning(
    id: string,
    failure: InfographFailure,
  ): Promise<CancelledInfograph | null> {
    const failed = await this.dataSource.transaction(async (manager) => {
      const row = await this.failIn(manager, id, failure);
      if (!row) {
        return null;
      }
      await this.credits.refund(manager, row, `refund: ${failure.reason}`.slice(0, 500));
      return row;
    });
    if (failed === null) {
      return null;
    }
    this.metrics.infographsFailed.inc({ reason: failure.reasonClass });
    this.metrics.refunds.inc();
    this.metrics.refundedCredits.inc(failed.creditsCharged);
    return { falRequestId: failed.falRequestId };
  }

  private async failIn(
    manager: EntityManager,
    id: string,
    failure: InfographFailure,
  ): Promise<{
    id: string;
    userId: string;
    creditsCharged: number;
    falRequestId: string | null;
  } | null> {
    const rows = await preparedQuery<{
      id: string;
      userId: string;
      creditsCharged: number;
      falRequestId: string | null;
    }>(
      manager,
      `UPDATE infographs SET status = 'failed', error_message = $2, error_code = $3, updated_at = now()
        WHERE id = $1 AND status IN ('pending', 'processing')
        RETURNING id, user_id AS "userId", credits_charged AS "creditsCharged",
                  fal_request_id AS "falRequestId"`,
      [id, failure.reason.slice(0, 2000), failure.code],
    );
    return rows[0] ?? null;
  }

  private async transition(
    id: string,
    from: Infograph['status'][],
    set: string,
    params: unknown[],
    extraWhere = '',
  ): Promise<boolean> {
    const moved = await preparedQuery(
      this.dataSource,
      `UPDATE infographs SET ${set}, updated_at = now()
        WHERE id = $1 AND status = ANY($${params.length + 2}) ${extraWhere}
        RETURNING 1`,
      [id, ...params, from],
    );
    return moved.length === 1;
  }
}
