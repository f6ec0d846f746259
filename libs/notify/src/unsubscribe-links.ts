import { AppConfig } from '@app/config';
import { Injectable } from '@nestjs/common';

import {
  type UnsubscribeChannel,
  signUnsubscribeToken,
  verifyUnsubscribeToken,
} from './unsubscribe-token';

/** `GET|POST /api/notifications/unsubscribe?token=…`: the link every infograph e-mail carries. */
@Injectable()
export class UnsubscribeLinks {
  constructor(private readonly config: AppConfig) {}

  linkFor(userId: string, channel: UnsubscribeChannel): string {
    const token = signUnsubscribeToken(this.config.notify.unsubscribeSecret, userId, channel);
    return `${this.config.api.publicUrl}/api/notifications/unsubscribe?token=${encodeURIComponent(token)}`;
  }

  verify(token: string): { userId: string; channel: UnsubscribeChannel } | null {
    return verifyUnsubscribeToken(this.config.notify.unsubscribeSecret, token);
  }
}
