import { createHash, randomUUID } from 'node:crypto';

import { AppConfig } from '@app/config';
import { CreditsService } from '@app/credits';
import { IdempotencyKey, Infograph } from '@app/database';
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

/** The create answer, in the guide's shape (ids are UUIDs; the submit happens in the worker). */
export interface CreateInfographsResponse {
  infographs: { id: string; request_id: null; status: 'pending'; status_url: string }[];
  total_submitted: number;
  credits_used: number;
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
    private readonly credits: CreditsService,
    private readonly config: AppConfig,
  ) {}

  /**
   * Charges and creates the infographs in one transaction: the conditional balance update, one
   * ledger entry, one `pending` row per image, and the idempotency record. Nothing is created when
   * credits are short. With a key already used for the same body, the first answer is returned
   * and nothing is charged again.
   */
  async create(
    userId: string,
    command: CreateInfographsCommand,
    idempotencyKey?: string,
  ): Promise<{ response: CreateInfographsResponse; replayed: boolean }> {
    const requestHash = hashCommand(command);
    try {
      const response = await this.dataSource.transaction((manager) =>
        this.createIn(
          manager,
          userId,
          command,
          idempotencyKey ? { key: idempotencyKey, requestHash } : undefined,
        ),
      );
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
      return { response: stored.responseBody as CreateInfographsResponse, replayed: true };
    }
  }

  private async createIn(
    manager: EntityManager,
    userId: string,
    command: CreateInfographsCommand,
    idempotency?: { key: string; requestHash: string },
  ): Promise<CreateInfographsResponse> {
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
    const unitPrice = priceOf(command.resolution, this.config.credits);
    const cost = unitPrice * command.count;
    const batchId = randomUUID();
    await this.credits.charge(manager, userId, cost, batchId);
    const rows = Array.from({ length: command.count }, () => ({
      userId,
      batchId,
      prompt: command.prompt,
      blogUrl: command.blogUrl,
      aspectRatio: command.aspectRatio,
      resolution: command.resolution,
      status: 'pending' as const,
      creditsCharged: unitPrice,
    }));
    const inserted = await manager
      .createQueryBuilder()
      .insert()
      .into(Infograph)
      .values(rows)
      .returning(['id'])
      .execute();
    const ids = (inserted.raw as { id: string }[]).map((r) => r.id);
    const response: CreateInfographsResponse = {
      infographs: ids.map((id) => ({
        id,
        request_id: null,
        status: 'pending',
        status_url: `${this.config.api.publicUrl}/api/infographs/status/${id}/`,
      })),
      total_submitted: ids.length,
      credits_used: cost,
    };
    if (idempotency) {
      await manager.update(
        IdempotencyKey,
        { userId, key: idempotency.key },
        { statusCode: 201, responseBody: response },
      );
    }
    return response;
  }
}

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
