import { NotifyModule } from '@app/notify';
import { Module } from '@nestjs/common';

import { InfographSeenController } from './infograph-seen.controller';
import { NotificationPreferencesController } from './notification-preferences.controller';
import { PushController } from './push.controller';
import { UnsubscribeController } from './unsubscribe.controller';

/**
 * Web Push subscriptions, notification preferences, unsubscribe links and the "seen live" signal
 * (docs/notifications.md); the sending is the worker's notify step.
 */
@Module({
  imports: [NotifyModule],
  controllers: [
    PushController,
    NotificationPreferencesController,
    UnsubscribeController,
    InfographSeenController,
  ],
})
export class NotificationsApiModule {}
