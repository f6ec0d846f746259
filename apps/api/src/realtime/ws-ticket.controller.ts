import { AuthenticatedUser, CurrentUser } from '@app/auth';
import { Controller, Logger, Post, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';

import { WsTicketResponse } from './dto/ws-ticket.response';
import { WS_TICKET_TTL_SECONDS, WsTickets } from './ws-tickets';

const TICKET_EXAMPLE = { ticket: 'q3JcX0m8d1vYcK1n0m6Vb5f2kqJ8pX9tQ1u4rS7wZ0A', expires_in: 30 };

@ApiTags('realtime')
@Controller('api/ws/ticket')
export class WsTicketController {
  private readonly logger = new Logger('Realtime');

  constructor(private readonly tickets: WsTickets) {}

  /**
   * A browser's way onto `/api/ws`: it cannot set headers on a WebSocket, and a token in the URL
   * would land in logs. Fetched before each (re)connect, with the token in the header as usual.
   */
  @ApiOperation({
    summary: 'A one-time ticket for the /api/ws WebSocket (connect to /api/ws?ticket=<ticket>)',
  })
  @ApiResponse({
    status: 201,
    description: `Valid once, for ${WS_TICKET_TTL_SECONDS} s`,
    schema: { example: TICKET_EXAMPLE },
  })
  @ApiResponse({ status: 401, description: 'Missing, invalid or revoked API token' })
  @ApiResponse({ status: 503, description: 'Redis unavailable; retry shortly' })
  @Post()
  async issue(@CurrentUser() user: AuthenticatedUser): Promise<WsTicketResponse> {
    let ticket: string;
    try {
      ticket = await this.tickets.issue({ userId: user.id, tokenId: user.tokenId });
    } catch (error) {
      // Redis is the only thing `issue` talks to; every way it can fail is "retry later".
      this.logger.warn(`ws ticket not issued: ${(error as Error).message}`);
      throw new ServiceUnavailableException(
        'Live updates are unavailable right now; retry shortly (the page polls meanwhile).',
      );
    }
    return { ticket, expires_in: WS_TICKET_TTL_SECONDS };
  }
}
