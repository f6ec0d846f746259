import { AppConfig } from '@app/config';
import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Client } from 'pg';

import { TokenCache } from './token-cache';
import { TokenRevocations } from './token-revocations';

/** Postgres channel on which `ApiTokensService.revoke` announces a revoked token's hash. */
export const TOKEN_REVOKED_CHANNEL = 'api_token_revoked';

const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 15_000;

/**
 * Keeps one connection LISTENing for token revocations (from any process: the CLI, another api),
 * evicts them from this api's TokenCache and hands them to `TokenRevocations` (open WebSockets).
 * While the connection is down the cache is off, so a revocation is never missed; it reconnects
 * with backoff, and says so (`resumed`) so that open WebSockets get their tokens re-checked.
 */
@Injectable()
export class TokenRevocationListener implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('TokenRevocations');
  private client?: Client;
  private retryDelay = RECONNECT_MIN_MS;
  private retryTimer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly config: AppConfig,
    private readonly cache: TokenCache,
    private readonly revocations: TokenRevocations,
  ) {}

  async onModuleInit(): Promise<void> {
    // Even with the cache off (AUTH_CACHE_SECONDS=0): open WebSockets need the notices too.
    await this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.cache.setListening(false);
    await this.client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new Client({
      // Postgres itself: a transaction-mode pooler would hand LISTEN's session to others.
      connectionString: this.config.database.directUrl,
      connectionTimeoutMillis: 5000,
      // TCP keep-alive, so that a silent partition ends in an error (and the cache off).
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      application_name: 'ainfographic-token-revocations',
    });
    this.client = client;
    client.on('notification', (message) => {
      if (message.channel === TOKEN_REVOKED_CHANNEL && message.payload) {
        this.cache.evict(message.payload);
        this.revocations.revoked(message.payload);
      }
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${TOKEN_REVOKED_CHANNEL}`);
    } catch (error) {
      this.lost(client, error as Error);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.retryDelay = RECONNECT_MIN_MS;
    this.cache.setListening(true);
    this.revocations.resumed();
  }

  private lost(client: Client, error?: Error): void {
    if (this.client !== client) {
      return; // an earlier connection, already replaced
    }
    this.client = undefined;
    this.cache.setListening(false);
    client.removeAllListeners();
    client.on('error', () => undefined);
    void client.end().catch(() => undefined);
    if (this.stopped) {
      return;
    }
    this.logger.warn(
      `not hearing token revocations (${error?.message ?? 'connection ended'}); every request checks the database until reconnected`,
    );
    this.retryTimer = setTimeout(() => void this.connect(), this.retryDelay);
    this.retryDelay = Math.min(this.retryDelay * 2, RECONNECT_MAX_MS);
  }
}
