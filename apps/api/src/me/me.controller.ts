import { AuthenticatedUser, CurrentUser } from '@app/auth';
import { CreditsService } from '@app/credits';
import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { MeResponse } from './dto/me.response';

@ApiTags('me')
@Controller('api/me')
export class MeController {
  constructor(private readonly credits: CreditsService) {}

  /** The user behind the token, with the balance as it is now. */
  @ApiOperation({ summary: 'The user behind the credentials, with the balance' })
  @ApiOkResponse({ type: MeResponse })
  @Get()
  async me(@CurrentUser() user: AuthenticatedUser): Promise<MeResponse> {
    return MeResponse.from(user, await this.credits.balanceOf(user.id));
  }
}
