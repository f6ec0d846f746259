import { randomBytes } from 'node:crypto';

import { EmailTokenPurpose } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

import { hashApiToken } from './api-token';

/** Why a mailed link does not work; each says what to do next (see `LinkProblem` in the api). */
export type EmailTokenProblem = 'link_invalid' | 'link_expired' | 'link_used';

export type EmailTokenCheck = { userId: string } | { problem: EmailTokenProblem };

/** 32 random bytes, base64url: what `issue` makes. Anything else is refused without a query. */
const TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;

/**
 * Single-use, expiring secrets for mailed links (`email_tokens`): stored as SHA-256 only, used
 * with one conditional update, so a link works once however many requests race with it.
 */
@Injectable()
export class EmailTokensService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** A new link token for the user; the plain token goes into the mail and nowhere else. */
  async issue(
    userId: string,
    purpose: EmailTokenPurpose,
    ttlMs: number,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<string> {
    // The user's links that ended over a day ago are deleted on the way, so the table stays
    // small; recent ones are kept so that a second click still hears "already used".
    await manager.query(
      `DELETE FROM email_tokens
        WHERE user_id = $1 AND (used_at < now() - interval '1 day' OR expires_at < now() - interval '1 day')`,
      [userId],
    );
    const token = randomBytes(32).toString('base64url');
    await manager.query(
      `INSERT INTO email_tokens (user_id, purpose, token_hash, expires_at) VALUES ($1, $2, $3, $4)`,
      [userId, purpose, hashApiToken(token), new Date(Date.now() + ttlMs)],
    );
    return token;
  }

  /** Uses the token: the first call within its life gets the user, every later one a problem. */
  async consume(
    token: string,
    purpose: EmailTokenPurpose,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<EmailTokenCheck> {
    if (!TOKEN_FORMAT.test(token)) {
      return { problem: 'link_invalid' };
    }
    // As a CTE: TypeORM answers a bare UPDATE … RETURNING with [rows, count], a SELECT with rows.
    const rows = await manager.query<{ user_id: string }[]>(
      `WITH used AS (
         UPDATE email_tokens SET used_at = now()
          WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
          RETURNING user_id)
       SELECT user_id FROM used`,
      [hashApiToken(token), purpose],
    );
    return rows[0] ? { userId: rows[0].user_id } : this.whyNot(token, purpose, manager);
  }

  /** What `consume` would answer, without using the token (to check a new password first). */
  async check(token: string, purpose: EmailTokenPurpose): Promise<EmailTokenCheck> {
    if (!TOKEN_FORMAT.test(token)) {
      return { problem: 'link_invalid' };
    }
    const rows = await this.dataSource.query<{ user_id: string }[]>(
      `SELECT user_id FROM email_tokens
        WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()`,
      [hashApiToken(token), purpose],
    );
    return rows[0] ? { userId: rows[0].user_id } : this.whyNot(token, purpose);
  }

  /** Ends every open link of this purpose (a new password makes older reset links useless). */
  async endAll(userId: string, purpose: EmailTokenPurpose, manager: EntityManager): Promise<void> {
    await manager.query(
      `UPDATE email_tokens SET used_at = now() WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL`,
      [userId, purpose],
    );
  }

  private async whyNot(
    token: string,
    purpose: EmailTokenPurpose,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<{ problem: EmailTokenProblem }> {
    const rows = await manager.query<{ used: boolean }[]>(
      `SELECT used_at IS NOT NULL AS used FROM email_tokens WHERE token_hash = $1 AND purpose = $2`,
      [hashApiToken(token), purpose],
    );
    if (!rows[0]) {
      return { problem: 'link_invalid' };
    }
    return { problem: rows[0].used ? 'link_used' : 'link_expired' };
  }
}
