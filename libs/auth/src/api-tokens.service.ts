import { ApiToken, preparedQuery } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

import { generateApiToken, hashApiToken, hashesEqual } from './api-token';
import { AuthenticatedUser, TokenCache } from './token-cache';
import { TOKEN_REVOKED_CHANNEL } from './token-revocation.listener';
import { TokenRevocations } from './token-revocations';

/** How often `last_used_at` is refreshed: often enough to be useful, rarely enough to stay cheap. */
const LAST_USED_RESOLUTION_MS = 60_000;

interface TokenRow {
  token_id: string;
  token_hash: string;
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
   * Issues a token for the user. The plain token is returned once and never stored.
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
    });
    return { token, record: await manager.save(record) };
  }

  /** The user behind a live (not revoked) token, or null. */
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
      `SELECT t.id AS token_id, t.token_hash, t.last_used_at,
              u.id, u.email, u.is_admin, u.created_at
         FROM api_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.token_hash = $1 AND t.revoked_at IS NULL`,
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
    const rows = await this.dataSource.query<{ token_hash: string }[]>(
      `WITH revoked AS (
         UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL
         RETURNING token_hash)
       SELECT token_hash, pg_notify('${TOKEN_REVOKED_CHANNEL}', token_hash) FROM revoked`,
      [tokenId],
    );
    for (const { token_hash } of rows) {
      this.cache.evict(token_hash);
      // Here at once, even while this process cannot hear the notice.
      this.revocations.revoked(token_hash);
    }
    return rows.length > 0;
  }

  /** The hash of a token that is still live (not revoked), or null. Always asks the database. */
  async liveTokenHash(tokenId: string): Promise<string | null> {
    const rows = await this.dataSource.query<{ token_hash: string }[]>(
      `SELECT token_hash FROM api_tokens WHERE id = $1 AND revoked_at IS NULL`,
      [tokenId],
    );
    return rows[0]?.token_hash ?? null;
  }

  /** Which of these tokens are no longer live (revoked, or gone). Always asks the database. */
  async notLive(tokenIds: string[]): Promise<Set<string>> {
    const rows = await this.dataSource.query<{ id: string }[]>(
      `SELECT id FROM api_tokens WHERE id = ANY($1::uuid[]) AND revoked_at IS NULL`,
      [tokenIds],
    );
    const live = new Set(rows.map((row) => row.id));
    return new Set(tokenIds.filter((id) => !live.has(id)));
  }

  listForUser(userId: string): Promise<ApiToken[]> {
    return this.dataSource.manager.find(ApiToken, {
      where: { userId },
      order: { createdAt: 'ASC' },
    });
  }
}
