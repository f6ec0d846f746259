import { CurrentUser } from '@app/auth';
import type { User } from '@app/database';
import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';

@ApiTags('me')
@Controller('api/me')
export class MeController {
  /** The user behind the token. */
  @Get()
  me(@CurrentUser() user: User): {
    id: string;
    email: string;
    balance: number;
    is_admin: boolean;
    created_at: string;
  } {
    return {
      id: user.id,
      email: user.email,
      balance: user.balance,
      is_admin: user.isAdmin,
      created_at: user.createdAt.toISOString(),
    };
  }
}
