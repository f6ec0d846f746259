import { AuthModule } from '@app/auth';
import { RealtimeEventsModule } from '@app/notifications';
import { Module } from '@nestjs/common';

import { RealtimeGateway } from './realtime.gateway';

/**
 * The WebSocket endpoint `/api/ws`. Importing this module is all the wiring it needs: it
 * registers `@fastify/websocket` and its route on the api's Fastify instance during `app.init()`.
 */
@Module({
  imports: [AuthModule, RealtimeEventsModule],
  providers: [RealtimeGateway],
  exports: [RealtimeGateway],
})
export class RealtimeModule {}
