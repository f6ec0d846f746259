import { createHash, randomBytes } from 'node:crypto';

import { AppConfig } from '@app/config';
import { REDIS, type RedisClient } from '@app/redis';
import { Inject, Injectable } from '@nestjs/common';

/** How long a ticket can wait for its WebSocket: long enough for a slow network, short to leak. */
export const WS_TICKET_TTL_SECONDS = 30;
/** 32 random bytes, base64url: what `issue` makes. Anything else is refused without asking Redis. */
const TICKET_FORMAT = /^[A-Za-z0-9_-]{43}$/;

/** Whom a ticket lets in, and under which API token (its revocation closes the socket). */
export interface TicketHolder {
  userId: string;
  tokenId: string;
}

/**
 * One-time tickets for the WebSocket upgrade, so browsers never put an API token in a URL (URLs
 * end up in proxy and server logs). Kept in the shared Redis, so a ticket from one api instance
 * works on any other; consumed with GETDEL, so it works once however many instances race for it.
 * Keyed by the ticket's SHA-256: whoever can list Redis keys still cannot use a ticket.
 */
@Injectable()
export class WsTickets {
  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly config: AppConfig,
  ) {}

  async issue(holder: TicketHolder): Promise<string> {
    const ticket = randomBytes(32).toString('base64url');
    const value = JSON.stringify({ userId: holder.userId, tokenId: holder.tokenId });
    await this.redis.set(this.keyOf(ticket), value, 'EX', WS_TICKET_TTL_SECONDS);
    return ticket;
  }

  /** The ticket's holder, the first time it is redeemed within its life; null otherwise. */
  async redeem(ticket: string): Promise<TicketHolder | null> {
    if (!TICKET_FORMAT.test(ticket)) {
      return null;
    }
    const value = await this.redis.getdel(this.keyOf(ticket));
    if (value === null) {
      return null;
    }
    const holder = JSON.parse(value) as Partial<TicketHolder>;
    return typeof holder.userId === 'string' && typeof holder.tokenId === 'string'
      ? { userId: holder.userId, tokenId: holder.tokenId }
      : null;
  }

  private keyOf(ticket: string): string {
    const hash = createHash('sha256').update(ticket, 'utf8').digest('hex');
    return `${this.config.redis.prefix}:ws-ticket:${hash}`;
  }
}
