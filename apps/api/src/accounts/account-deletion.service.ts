import { AccountsService, ApiTokensService } from '@app/auth';
import { CreditsService } from '@app/credits';
import { OBJECT_STORAGE, ObjectStorage } from '@app/storage';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryFailedError } from 'typeorm';

/** Postgres' codes for a transaction to simply run again: deadlock, serialization failure. */
const RETRYABLE = new Set(['40P01', '40001']);
const ATTEMPTS = 3;

/** What deleting an account removed, for the log (never the address). */
export interface DeletedAccount {
  infographs: number;
  objects: number;
  tokens: number;
  forfeitedCredits: number;
}

/**
 * Deletes a user's account at their request. What goes: their images in storage, their
 * infographics (prompts, blog URLs, error texts, image URLs), idempotency records, mailed links,
 * Web Push subscriptions, API keys and sessions (revoked on every api at once), the password hash, and the address
 * (replaced by `deleted-<id>@deleted.invalid`). What stays, anonymised: the `users` row and its
 * ledger entries, because the accounts must still add up (`balance = sum(ledger)`, checked by
 * `credits:check`) and the ledger is the record of what was paid and given; the balance left is
 * forfeited by one adjustment entry, and refund notes (which quote failure texts) are cleared.
 *
 * In-flight work finds nothing afterwards: every job re-reads its infographic row and stops when
 * it is gone, fal's late webhook for it is answered 404 and recorded, and an upload that was
 * already copying removes its object when it finds the row gone (apps/worker UploadProcessor).
 */
@Injectable()
export class AccountDeletion {
  private readonly logger = new Logger('Accounts');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(OBJECT_STORAGE) private readonly storage: ObjectStorage,
    private readonly accounts: AccountsService,
    private readonly tokens: ApiTokensService,
    private readonly credits: CreditsService,
  ) {}

  passwordMatches(userId: string, password: string): Promise<boolean> {
    return this.accounts.passwordMatches(userId, password);
  }

  /**
   * Storage first: if it cannot be emptied the account is left as it was, and the user can try
   * again (a StorageError, 503). Then the rows, in one transaction. Then storage once more, for
   * an upload that raced the first pass; that pass only logs a failure (the rows are gone).
   */
  async delete(userId: string): Promise<DeletedAccount> {
    const prefix = `infographs/${userId}/`;
    const objects = await this.storage.deletePrefix(prefix);
    const removed = await this.eraseRows(userId);
    this.tokens.forget(removed.tokenHashes);
    const late = await this.storage.deletePrefix(prefix).catch((error: unknown) => {
      this.logger.warn(`account ${userId}: second pass over ${prefix} failed: ${String(error)}`);
      return 0;
    });
    return {
      infographs: removed.infographs,
      objects: objects + late,
      tokens: removed.tokenHashes.length,
      forfeitedCredits: removed.forfeited,
    };
  }

  private async eraseRows(
    userId: string,
  ): Promise<{ infographs: number; tokenHashes: string[]; forfeited: number }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dataSource.transaction(async (manager) => {
          // The user row first: a create racing this waits for it, then finds no balance.
          await manager.query(
            `UPDATE users
                SET email = 'deleted-' || id || '@deleted.invalid', password_hash = NULL,
                    email_verified_at = NULL, is_admin = false, deleted_at = now()
              WHERE id = $1`,
            [userId],
          );
          // Deleting an infograph sets its refund entry's infograph_id to NULL (the refund
          // stays); credits:check only checks the infographs that exist.
          const [{ count: infographs }] = await manager.query<{ count: number }[]>(
            `WITH deleted AS (DELETE FROM infographs WHERE user_id = $1 RETURNING id)
             SELECT count(*)::int AS count FROM deleted`,
            [userId],
          );
          await manager.query(`DELETE FROM idempotency_keys WHERE user_id = $1`, [userId]);
          await manager.query(`DELETE FROM email_tokens WHERE user_id = $1`, [userId]);
          // Its browsers get no more pushes (the row stays, so its FK cascade never fires).
          await manager.query(`DELETE FROM push_subscriptions WHERE user_id = $1`, [userId]);
          const forfeited = await this.credits.closeAccount(manager, userId);
          const tokenHashes = await this.tokens.deleteAllOf(userId, manager);
          return { infographs, tokenHashes, forfeited };
        });
      } catch (error) {
        const code =
          error instanceof QueryFailedError
            ? (error.driverError as { code?: string }).code
            : undefined;
        // A worker failing one of these infographs locks its row, then the user's: a deadlock
        // Postgres breaks by aborting one side. Running this again is all it takes.
        if (attempt >= ATTEMPTS || code === undefined || !RETRYABLE.has(code)) {
          throw error;
        }
      }
    }
  }
}
