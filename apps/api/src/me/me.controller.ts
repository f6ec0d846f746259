import { AuthenticatedUser, CurrentUser } from '@app/auth';
import { CreditsService } from '@app/credits';
import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';

@ApiTags('me')
@Controller('api/me')
export class MeController {
  constructor(private readonly credits: CreditsService) {}

  /** The user behind the token, with the balance as it is now. */
  @Get()
  async me(@CurrentUser() user: AuthenticatedUser): Promise<{
    id: string;
    email: string;
    balance: number;
    is_admin: boolean;
    created_at: string;
  }> {
    return {
      id: user.id,
      email: user.email,
      balance: await this.credits.balanceOf(user.id),
      is_admin: user.isAdmin,
      created_at: user.createdAt.toISOString(),
    };
  }
}
