import { Module } from '@nestjs/common';

import { DeliveryLedger } from './delivery-ledger';
import { NotificationPreferences } from './preferences';
import { Presence } from './presence';
import { PushSender } from './push-sender';
import { PushSubscriptions } from './push-subscriptions.service';
import { UnsubscribeLinks } from './unsubscribe-links';

/**
 * Who is told what about a finished infograph, beyond the live event: browsers' push
 * subscriptions and the sending, the users' preferences, unsubscribe links, the presence marker
 * and the per-channel sent markers. The app provides the database and the config.
 */
@Module({
  providers: [
    DeliveryLedger,
    NotificationPreferences,
    Presence,
    PushSender,
    PushSubscriptions,
    UnsubscribeLinks,
  ],
  exports: [
    DeliveryLedger,
    NotificationPreferences,
    Presence,
    PushSender,
    PushSubscriptions,
    UnsubscribeLinks,
  ],
})
export class NotifyModule {}
