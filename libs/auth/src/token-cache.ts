import { AppConfig } from '@app/config';
import type { ApiTokenKind, User } from '@app/database';
import { Injectable } from '@nestjs/common';

/**
 * Who a token belongs to: what the api needs on every request (no balance: it changes), and
 * which token it was (a WebSocket opened with it is closed when it is revoked; a session's
 * expiry bounds how long it may be cached).
 */
export type AuthenticatedUser = Pick<User, 'id' | 'email' | 'isAdmin' | 'createdAt'> & {
  tokenId: string;
  tokenKind: ApiTokenKind;
  /** Sessions only: the moment it stops working. */
  tokenExpiresAt: Date | null;
};

/** Enough for every active token of a busy api; the oldest entry goes first past it. */
const MAX_ENTRIES = 10_000;

/**
 * Tokens the api has checked recently (by hash), so an authenticated request needs no database
 * round trip. It only answers while `TokenRevocationListener` hears Postgres' revocation
 * notices (a revoked token is evicted at once); without them it stays empty and every request
 * asks the database. `AUTH_CACHE_SECONDS` bounds an entry's life in any case.
 */
@Injectable()
export class TokenCache {
  private readonly entries = new Map<string, { user: AuthenticatedUser; expiresAt: number }>();
  private listening = false;
  /** Counts evictions, so a read that raced a revocation is not cached (see `set`). */
  private revocations = 0;

  constructor(private readonly config: AppConfig) {}

  get(tokenHash: string): AuthenticatedUser | undefined {
    const entry = this.entries.get(tokenHash);
    if (!entry) {
      return undefined;
    }
    if (!this.listening || entry.expiresAt <= Date.now()) {
      this.entries.delete(tokenHash);
      return undefined;
    }
    return entry.user;
  }

  /** Taken before reading a token from the database, and handed to `set` with what was read. */
  version(): number {
    return this.revocations;
  }

  /** Caches what was read, unless a revocation arrived since `version` (it may be this token's). */
  set(tokenHash: string, user: AuthenticatedUser, version: number): void {
    if (!this.listening || this.config.auth.cacheMs === 0 || version !== this.revocations) {
      return;
    }
    if (this.entries.size >= MAX_ENTRIES) {
      // Maps iterate in insertion order: the first key is the oldest entry.
      this.entries.delete(this.entries.keys().next().value as string);
    }
    // A session is never answered from the cache past its own expiry.
    const expiresAt = Math.min(
      Date.now() + this.config.auth.cacheMs,
      user.tokenExpiresAt?.getTime() ?? Number.POSITIVE_INFINITY,
    );
    this.entries.set(tokenHash, { user, expiresAt });
  }

  evict(tokenHash: string): void {
    this.revocations++;
    this.entries.delete(tokenHash);
  }

  /** Whether revocations are being heard; while they are not, nothing is cached. */
  setListening(listening: boolean): void {
    // Either way, reads that started before cannot be trusted: revocations may have gone unheard.
    this.revocations++;
    this.listening = listening;
    this.entries.clear();
  }
}
