import { ApiTokensService, hashApiToken } from '@app/auth';
import { Injectable } from '@nestjs/common';

import { SocketOwner } from './socket-registry';
import { WsTickets } from './ws-tickets';

/** Who an upgrade's credential belongs to, or why it is refused (a message for the client). */
@Injectable()
export class SocketOwners {
  constructor(
    private readonly tokens: ApiTokensService,
    private readonly tickets: WsTickets,
  ) {}

  /** The owner of a live API token (scripts and servers send it in `Authorization`). */
  async ofToken(token: string): Promise<SocketOwner | string> {
    const user = await this.tokens.authenticate(token);
    if (!user) {
      return 'Invalid or revoked API token.';
    }
    return { userId: user.id, tokenId: user.tokenId, tokenHash: hashApiToken(token) };
  }

  /** The owner of an unused ticket whose token is still live (browsers: `?ticket=`). */
  async ofTicket(ticket: string): Promise<SocketOwner | string> {
    const holder = await this.tickets.redeem(ticket);
    if (!holder) {
      return 'Invalid, used or expired ticket: a ticket works once, for 30 s. Get a new one from POST /api/ws/ticket/.';
    }
    // Asked of the database, not the cache: the token may have been revoked since the ticket.
    const tokenHash = await this.tokens.liveTokenHash(holder.tokenId);
    if (tokenHash === null) {
      return 'The API token this ticket was issued under has been revoked.';
    }
    return { userId: holder.userId, tokenId: holder.tokenId, tokenHash };
  }
}
