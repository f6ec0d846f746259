import { Module } from '@nestjs/common';

import { ApiTokenGuard } from './api-token.guard';
import { ApiTokensService } from './api-tokens.service';
import { UsersService } from './users.service';

@Module({
  providers: [UsersService, ApiTokensService, ApiTokenGuard],
  exports: [UsersService, ApiTokensService, ApiTokenGuard],
})
export class AuthModule {}
