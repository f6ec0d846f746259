import { AuthenticatedUser, CurrentUser } from '@app/auth';
import { Controller, Logger, Post, ServiceUnavailableException } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';

import { WsTicketResponse } from './dto/ws-ticket.response';
import { WS_TICKET_TTL_SECONDS, WsTickets } from './ws-tickets';

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
  @ApiCreatedResponse({
    description: `Valid once, for ${WS_TICKET_TTL_SECONDS} s`,
    type: WsTicketResponse,
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
