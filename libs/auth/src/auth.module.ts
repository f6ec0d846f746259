import { Module } from '@nestjs/common';

import { ApiTokenGuard } from './api-token.guard';
import { ApiTokensService } from './api-tokens.service';
import { TokenCache } from './token-cache';
import { TokenRevocations } from './token-revocations';
import { UsersService } from './users.service';

/** Users and tokens. An app that serves requests adds `TokenRevocationListener` (the api). */
@Module({
  providers: [UsersService, ApiTokensService, ApiTokenGuard, TokenCache, TokenRevocations],
  exports: [UsersService, ApiTokensService, ApiTokenGuard, TokenCache, TokenRevocations],
})
export class AuthModule {}
