import { CreditsModule } from '@app/credits';
import { Module } from '@nestjs/common';

import { AccountsService } from './accounts.service';
import { ApiTokenGuard } from './api-token.guard';
import { ApiTokensService } from './api-tokens.service';
import { EmailTokensService } from './email-tokens.service';
import { TokenCache } from './token-cache';
import { TokenRevocations } from './token-revocations';
import { UsersService } from './users.service';

const PROVIDERS = [
  UsersService,
  ApiTokensService,
  ApiTokenGuard,
  TokenCache,
  TokenRevocations,
  EmailTokensService,
  AccountsService,
];

/**
 * Users, tokens (API keys and sessions) and self-service accounts. An app that serves requests
 * adds `TokenRevocationListener` (the api).
 */
@Module({ imports: [CreditsModule], providers: PROVIDERS, exports: PROVIDERS })
export class AuthModule {}
