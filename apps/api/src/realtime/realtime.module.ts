import { AuthModule } from '@app/auth';
import { RealtimeEventsModule } from '@app/notifications';
import { Module } from '@nestjs/common';

import { EventFeeds } from './event-feeds';
import { EventHistory } from './event-history';
import { EventsController } from './events.controller';
import { RealtimeGateway } from './realtime.gateway';
import { SocketOwners } from './socket-owners';
import { WsTicketController } from './ws-ticket.controller';
import { WsTickets } from './ws-tickets';

/**
 * The WebSocket endpoint `/api/ws`, its ticket endpoint `POST /api/ws/ticket/`, and the same
 * events as Server-Sent Events at `GET /api/events/`. Importing this
 * module is all the wiring it needs: it registers `@fastify/websocket` and its route on the api's
 * Fastify instance during `app.init()`. Redis comes from the api's global `RedisModule`.
 */
@Module({
  imports: [AuthModule, RealtimeEventsModule],
  controllers: [WsTicketController, EventsController],
  providers: [RealtimeGateway, SocketOwners, WsTickets, EventFeeds, EventHistory],
  exports: [RealtimeGateway],
})
export class RealtimeModule {}
