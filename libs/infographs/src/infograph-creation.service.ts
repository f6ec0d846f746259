import { createHash, randomUUID } from 'node:crypto';

import { AppConfig } from '@app/config';
import { InsufficientCreditsError, UnknownUserError } from '@app/credits';
import { IdempotencyKey, User, preparedQuery } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

import { priceOf } from './pricing';

export interface CreateInfographsCommand {
  prompt: string;
  blogUrl: string | null;
  /** Already normalised to fal's form, e.g. `16:9`. */
  aspectRatio: string;
  resolution: string;
  count: number;
}

/** What one create made: the `pending` infographs (in order) and what they cost together. */
export interface CreatedInfographs {
  ids: string[];
  creditsUsed: number;
  /** The owner's balance right after this charge (the charge statement returns it). */
  balanceAfter: number;
}

/** An `Idempotency-Key` reused with a different body; mapped to 409. */
export class IdempotencyConflictError extends Error {
  constructor() {
    super(
      'This Idempotency-Key was already used with a different request body; use a new key for a new request.',
    );
  }
}

/** Raised inside the transaction to roll it back when the key was already used. */
class KeyAlreadyUsed extends Error {}

@Injectable()
export class InfographCreationService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  /**
   * Charges and creates the infographs in one transaction: the conditional balance update, one
   * ledger entry, one `pending` row per image, and the idempotency record. Nothing is created when
   * credits are short. `respond` (pure: it runs inside the transaction) shapes the caller's answer
   * from what was made; with a key that answer is stored in the same transaction, and a retry with
   * the key and the same body gets it back unchanged (`replayed`) and is not charged again.
   */
  async create<R extends object>(
    userId: string,
    command: CreateInfographsCommand,
    respond: (created: CreatedInfographs) => R,
    idempotencyKey?: string,
  ): Promise<{ response: R; replayed: boolean }> {
    const requestHash = idempotencyKey ? hashCommand(command) : '';
    try {
      // Only a keyed create needs a transaction (claim the key, create, store the answer);
      // otherwise the create is one atomic statement.
      const response = idempotencyKey
        ? await this.dataSource.transaction((manager) =>
            this.createIn(manager, userId, command, respond, { key: idempotencyKey, requestHash }),
          )
        : await this.createIn(this.dataSource.manager, userId, command, respond);
      return { response, replayed: false };
    } catch (error) {
      if (!(error instanceof KeyAlreadyUsed) || !idempotencyKey) {
        throw error;
      }
      const stored = await this.dataSource.manager.findOneByOrFail(IdempotencyKey, {
        userId,
        key: idempotencyKey,
      });
      if (stored.requestHash !== requestHash) {
        throw new IdempotencyConflictError();
      }
      // The answer `respond` made the first time: the caller's own shape.
      return { response: stored.responseBody as R, replayed: true };
    }
  }

  /**
   * The charge and the `pending` rows inside the caller's transaction, with no idempotency record:
   * for an operator's re-run, whose ledger shows a grant and this charge committed together.
   */
  chargeAndCreate(
    manager: EntityManager,
    userId: string,
    command: CreateInfographsCommand,
  ): Promise<CreatedInfographs> {
    return this.chargeAndInsert(manager, userId, command);
  }

  private async createIn<R extends object>(
    manager: EntityManager,
    userId: string,
    command: CreateInfographsCommand,
    respond: (created: CreatedInfographs) => R,
    idempotency?: { key: string; requestHash: string },
  ): Promise<R> {
    if (idempotency) {
      // Claim the key first: a concurrent request with the same key waits here on the unique
      // index until this transaction ends, then sees the stored answer.
      const claimed = await manager.query<unknown[]>(
        `INSERT INTO idempotency_keys (user_id, key, request_hash, status_code, response_body)
         VALUES ($1, $2, $3, 0, 'null') ON CONFLICT DO NOTHING RETURNING 1`,
        [userId, idempotency.key, idempotency.requestHash],
      );
      if (claimed.length === 0) {
        throw new KeyAlreadyUsed();
      }
    }
    const response = respond(await this.chargeAndInsert(manager, userId, command));
    if (idempotency) {
      await manager.update(
        IdempotencyKey,
        { userId, key: idempotency.key },
        { statusCode: 201, responseBody: response },
      );
    }
    return response;
  }

  private async chargeAndInsert(
    manager: EntityManager,
    userId: string,
    command: CreateInfographsCommand,
  ): Promise<CreatedInfographs> {
    const unitPrice = priceOf(command.resolution, this.config.credits);
    const cost = unitPrice * command.count;
    const rows = await preparedQuery<{ id: string; balance: number }>(manager, CHARGE_AND_INSERT, [
      userId,
      cost,
      randomUUID(),
      command.prompt,
      command.blogUrl,
      command.aspectRatio,
      command.resolution,
      unitPrice,
      command.count,
    ]);
    if (rows.length === 0) {
      // Nothing was charged or created; say why.
      const user = await manager.findOneBy(User, { id: userId });
      if (!user) {
        throw new UnknownUserError(userId);
      }
      throw new InsufficientCreditsError(user.balance, cost);
    }
    return { ids: rows.map((r) => r.id), creditsUsed: cost, balanceAfter: rows[0].balance };
  }
}

/**
 * The conditional balance update, its ledger entry and the `pending` rows in ONE statement: atomic
 * without an explicit transaction, and one round trip instead of five (create is the hot path).
 * The `WHERE balance >= cost` is what keeps concurrent creates from overdrawing.
 */
const CHARGE_AND_INSERT = `
  WITH charged AS (
    UPDATE users SET balance = balance - $2 WHERE id = $1 AND balance >= $2 RETURNING id, balance
  ), entry AS (
    INSERT INTO credit_ledger (user_id, amount, reason, batch_id)
    SELECT id, -$2, 'charge', $3 FROM charged
  ), made AS (
    INSERT INTO infographs
      (user_id, batch_id, prompt, blog_url, aspect_ratio, resolution, status, credits_charged)
    SELECT id, $3, $4, $5, $6, $7, 'pending', $8 FROM charged CROSS JOIN generate_series(1, $9)
    RETURNING id
  )
  SELECT made.id, charged.balance FROM made CROSS JOIN charged`;

/** Stable across key order, so a retried body with reordered fields still matches. */
function hashCommand(command: CreateInfographsCommand): string {
  const canonical = JSON.stringify([
    command.prompt,
    command.blogUrl,
    command.aspectRatio,
    command.resolution,
    command.count,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}
