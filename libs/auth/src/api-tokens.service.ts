import { ApiToken, User } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull } from 'typeorm';

import { generateApiToken, hashApiToken, hashesEqual } from './api-token';

/** How often `last_used_at` is refreshed: often enough to be useful, rarely enough to stay cheap. */
const LAST_USED_RESOLUTION_MS = 60_000;

@Injectable()
export class ApiTokensService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

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
  async authenticate(token: string): Promise<User | null> {
    const hash = hashApiToken(token);
    const record = await this.dataSource.manager.findOne(ApiToken, {
      where: { tokenHash: hash, revokedAt: IsNull() },
      relations: { user: true },
    });
    // The lookup is by hash, so timing reveals nothing about the token; compare anyway in
    // constant time so a future change of lookup cannot quietly introduce a timing oracle.
    if (!record?.user || !hashesEqual(record.tokenHash, hash)) {
      return null;
    }
    if (!record.lastUsedAt || Date.now() - record.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      await this.dataSource.manager.update(ApiToken, { id: record.id }, { lastUsedAt: new Date() });
    }
    return record.user;
  }

  async findByPlainToken(token: string): Promise<ApiToken | null> {
    return this.dataSource.manager.findOneBy(ApiToken, { tokenHash: hashApiToken(token) });
  }

  /** Revokes a token; returns false if there was no such live token. */
  async revoke(tokenId: string): Promise<boolean> {
    const result = await this.dataSource.manager.update(
      ApiToken,
      { id: tokenId, revokedAt: IsNull() },
      { revokedAt: new Date() },
    );
    return (result.affected ?? 0) > 0;
  }

  listForUser(userId: string): Promise<ApiToken[]> {
    return this.dataSource.manager.find(ApiToken, {
      where: { userId },
      order: { createdAt: 'ASC' },
    });
  }
}
