import { AuthModule } from '@app/auth';
import { AppConfig } from '@app/config';
import { CreditsModule } from '@app/credits';
import { NotificationsModule } from '@app/notifications';
import { DynamicModule, Module } from '@nestjs/common';

import { RedisThrottle } from '../http/redis-throttle';
import { AccountDeletion } from './account-deletion.service';
import { AccountDeletionController } from './account-deletion.controller';
import { AccountMails } from './account-mails';
import { AccountThrottle } from './account-throttle';
import { ApiKeysController } from './api-keys.controller';
import { AuthController } from './auth.controller';
import { SessionCookie } from './session-cookie';

/**
 * Self-service accounts over HTTP: sign-up, sign-in (session cookie + CSRF), password reset,
 * API keys, account deletion. The rules live in libs/auth; this adds mail, throttles, cookies.
 * Exports RedisThrottle, which the queue dashboard's login throttle shares.
 */
@Module({})
export class AccountsModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AccountsModule,
      imports: [AuthModule, CreditsModule, NotificationsModule.forRoot({ mailer: config.mail })],
      controllers: [AuthController, ApiKeysController, AccountDeletionController],
      providers: [RedisThrottle, AccountThrottle, AccountMails, AccountDeletion, SessionCookie],
      exports: [RedisThrottle],
    };
  }
}
