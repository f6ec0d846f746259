import { Module } from '@nestjs/common';

import { RealtimePublisher } from './realtime.publisher';
import { RealtimeSubscriber } from './realtime.subscriber';

/**
 * Real-time events only (no mail settings needed), so the api's WebSocket module can import it on
 * its own. Needs `AppConfig` (global ConfigModule). Being a static module, importing it from
 * several places still yields one publisher and one subscriber per app.
 */
@Module({
  providers: [RealtimePublisher, RealtimeSubscriber],
  exports: [RealtimePublisher, RealtimeSubscriber],
})
export class RealtimeEventsModule {}
