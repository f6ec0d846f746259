import { ApiToken, ApiTokenKind, preparedQuery } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull } from 'typeorm';

import { generateApiToken, hashApiToken, hashesEqual } from './api-token';
import { AuthenticatedUser, TokenCache } from './token-cache';
import { TOKEN_REVOKED_CHANNEL } from './token-revocation.listener';
import { TokenRevocations } from './token-revocations';

/** How often `last_used_at` is refreshed: often enough to be useful, rarely enough to stay cheap. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** A token that is live: not revoked and, for a session, not expired. */
const LIVE = `revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`;

interface TokenRow {
  token_id: string;
  token_hash: string;
  kind: ApiTokenKind;
  expires_at: Date | null;
  last_used_at: Date | null;
  id: string;
  email: string;
  is_admin: boolean;
  created_at: Date;
}

@Injectable()
export class ApiTokensService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly cache: TokenCache,
    private readonly revocations: TokenRevocations,
  ) {}

  /**
   * Issues an API key for the user. The plain token is returned once and never stored.
   * `plainToken` lets `npm start` install the configured demo token.
   */
  async issue(
    userId: string,
    options: { name?: string; plainToken?: string; manager?: EntityManager } = {},
  ): Promise<{ token: string; record: ApiToken }> {
    const manager = options.manager ?? this.dataSource.manager;
    const token = options.plainToken ?? generateApiToken();
    const record = manager.create(ApiToken, {
      userId,
      tokenHash: hashApiToken(token),
      tokenPrefix: token.slice(0, 12),
      name: options.name ?? 'default',
      kind: 'api_key',
      expiresAt: null,
    });
    return { token, record: await manager.save(record) };
  }

  /**
   * A session for a password sign-in: a token like any other, that expires after `ttlMs`. The
   * user's sessions that already ended (expired or revoked) are deleted on the way, so the table
   * holds about one row per signed-in browser.
   */
  async startSession(userId: string, ttlMs: number): Promise<{ token: string; record: ApiToken }> {
    await this.dataSource.query(
      `DELETE FROM api_tokens
        WHERE user_id = $1 AND kind = 'session' AND (revoked_at IS NOT NULL OR expires_at <= now())`,
      [userId],
    );
    const token = generateApiToken();
    const record = this.dataSource.manager.create(ApiToken, {
      userId,
      tokenHash: hashApiToken(token),
      tokenPrefix: token.slice(0, 12),
      name: 'session',
      kind: 'session',
      expiresAt: new Date(Date.now() + ttlMs),
    });
    return { token, record: await this.dataSource.manager.save(record) };
  }

  /** The user behind a live token (not revoked, not expired), or null. */
  async authenticate(token: string): Promise<AuthenticatedUser | null> {
    const hash = hashApiToken(token);
    const cached = this.cache.get(hash);
    if (cached) {
      return cached;
    }
    const version = this.cache.version();
    // Every authenticated request the cache cannot answer comes here: one prepared query (and a
    // write at most once a minute) keeps it to a single round trip without ORM overhead.
    const rows = await preparedQuery<TokenRow>(
      this.dataSource,
      `SELECT t.id AS token_id, t.token_hash, t.kind, t.expires_at, t.last_used_at,
              u.id, u.email, u.is_admin, u.created_at
         FROM api_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.token_hash = $1 AND t.revoked_at IS NULL
          AND (t.expires_at IS NULL OR t.expires_at > now())`,
      [hash],
    );
    const row = rows[0];
    // The lookup is by hash, so timing reveals nothing about the token; compare anyway in
    // constant time so a future change of lookup cannot quietly introduce a timing oracle.
    if (!row || !hashesEqual(row.token_hash, hash)) {
      return null;
    }
    if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > LAST_USED_RESOLUTION_MS) {
      await this.dataSource.query(`UPDATE api_tokens SET last_used_at = now() WHERE id = $1`, [
        row.token_id,
      ]);
    }
    const user: AuthenticatedUser = {
      id: row.id,
      email: row.email,
      isAdmin: row.is_admin,
      createdAt: row.created_at,
      tokenId: row.token_id,
      tokenKind: row.kind,
      tokenExpiresAt: row.expires_at,
    };
    this.cache.set(hash, user, version);
    return user;
  }

  async findByPlainToken(token: string): Promise<ApiToken | null> {
    return this.dataSource.manager.findOneBy(ApiToken, { tokenHash: hashApiToken(token) });
  }

  /**
   * Revokes a token; returns false if there was no such live token. The same statement tells
   * every api (Postgres delivers the NOTIFY on commit), so none keeps it in its cache.
   */
  async revoke(tokenId: string): Promise<boolean> {
    return (await this.revokeWhere(`id = $1`, [tokenId])).length > 0;
  }

  /** Revokes one of the user's own API keys (never a session, never another user's). */
  async revokeApiKeyOf(userId: string, tokenId: string): Promise<boolean> {
    const revoked = await this.revokeWhere(`id = $1 AND user_id = $2 AND kind = 'api_key'`, [
      tokenId,
      userId,
    ]);
    return revoked.length > 0;
  }

  /**
   * Signs the user out everywhere (a password reset): every session, no API key. In `manager`'s
   * transaction, call `forget` with the returned hashes after it commits.
   */
  async revokeSessionsOf(userId: string, manager?: EntityManager): Promise<string[]> {
    return this.revokeWhere(`user_id = $1 AND kind = 'session'`, [userId], manager);
  }

  /** Revokes a session by its plain token (sign-out, or the session a new sign-in replaces). */
  async revokeSession(token: string): Promise<boolean> {
    const revoked = await this.revokeWhere(`token_hash = $1 AND kind = 'session'`, [
      hashApiToken(token),
    ]);
    return revoked.length > 0;
  }

  /**
   * Deletes every token of the user (account deletion), announcing each live one like a
   * revocation. In `manager`'s transaction the notice goes out at commit; call `forget` with
   * the hashes after it, so this process drops them at once too.
   */
  async deleteAllOf(userId: string, manager: EntityManager): Promise<string[]> {
    const rows = await manager.query<{ token_hash: string }[]>(
      `WITH deleted AS (DELETE FROM api_tokens WHERE user_id = $1 RETURNING token_hash, revoked_at)
       SELECT token_hash, pg_notify('${TOKEN_REVOKED_CHANNEL}', token_hash)
         FROM deleted WHERE revoked_at IS NULL`,
      [userId],
    );
    return rows.map((row) => row.token_hash);
  }

  /** Drops revoked tokens from this process at once (cache, open WebSockets). */
  forget(tokenHashes: string[]): void {
    for (const hash of tokenHashes) {
      this.cache.evict(hash);
      // Here at once, even while this process cannot hear the notice.
      this.revocations.revoked(hash);
    }
  }

  /** The hash of a token that is still live (not revoked or expired), or null. Asks the database. */
  async liveTokenHash(tokenId: string): Promise<string | null> {
    const rows = await this.dataSource.query<{ token_hash: string }[]>(
      `SELECT token_hash FROM api_tokens WHERE id = $1 AND ${LIVE}`,
      [tokenId],
    );
    return rows[0]?.token_hash ?? null;
  }

  /** Which of these tokens are no longer live (revoked, expired, or gone). Asks the database. */
  async notLive(tokenIds: string[]): Promise<Set<string>> {
    const rows = await this.dataSource.query<{ id: string }[]>(
      `SELECT id FROM api_tokens WHERE id = ANY($1::uuid[]) AND ${LIVE}`,
      [tokenIds],
    );
    const live = new Set(rows.map((row) => row.id));
    return new Set(tokenIds.filter((id) => !live.has(id)));
  }

  /** The user's API keys, revoked ones included, oldest first (the CLI's `token:list`). */
  listForUser(userId: string): Promise<ApiToken[]> {
    return this.dataSource.manager.find(ApiToken, {
      where: { userId, kind: 'api_key' },
      order: { createdAt: 'ASC' },
    });
  }

  /** The user's live API keys, newest first (what `GET /api/tokens/` shows). */
  liveApiKeysOf(userId: string): Promise<ApiToken[]> {
    return this.dataSource.manager.find(ApiToken, {
      where: { userId, kind: 'api_key', revokedAt: IsNull() },
      order: { createdAt: 'DESC' },
    });
  }

  /**
   * Revokes the matching live tokens. The same statement tells every api (Postgres delivers the
   * NOTIFY on commit), so none keeps them in its cache; returns their hashes.
   */
  private async revokeWhere(
    condition: string,
    params: unknown[],
    manager?: EntityManager,
  ): Promise<string[]> {
    const rows = await (manager ?? this.dataSource.manager).query<{ token_hash: string }[]>(
      `WITH revoked AS (
         UPDATE api_tokens SET revoked_at = now() WHERE ${condition} AND revoked_at IS NULL
         RETURNING token_hash)
       SELECT token_hash, pg_notify('${TOKEN_REVOKED_CHANNEL}', token_hash) FROM revoked`,
      params,
    );
    const hashes = rows.map((row) => row.token_hash);
    if (!manager) {
      this.forget(hashes);
    }
    return hashes;
  }
}
