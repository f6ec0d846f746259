import { DynamicModule, Module } from '@nestjs/common';

import { MAILER_OPTIONS, MailerOptions } from './mailer.options';
import { Mailer } from './mailer.service';
import { RealtimeEventsModule } from './realtime-events.module';

export interface NotificationsModuleOptions {
  mailer: MailerOptions;
}

/**
 * Everything that tells a user something: e-mail and real-time events. Needs `AppConfig` (the
 * global ConfigModule) for the Redis connections. The subscriber only connects when started, so
 * importing this in the worker opens no SUBSCRIBE connection.
 */
@Module({})
export class NotificationsModule {
  static forRoot(options: NotificationsModuleOptions): DynamicModule {
    return {
      module: NotificationsModule,
      imports: [RealtimeEventsModule],
      providers: [{ provide: MAILER_OPTIONS, useValue: options.mailer }, Mailer],
      exports: [Mailer, RealtimeEventsModule],
    };
  }
}
