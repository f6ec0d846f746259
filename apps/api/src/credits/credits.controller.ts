import { AuthenticatedUser, CurrentUser } from '@app/auth';
import { CreditsService } from '@app/credits';
import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';

import { CreditsResponse } from './dto/credits.response';

@ApiTags('credits')
@Controller('api/credits')
export class CreditsController {
  constructor(private readonly credits: CreditsService) {}

  /** Balance and the most recent ledger entries, newest first. */
  @Get()
  async show(@CurrentUser() user: AuthenticatedUser): Promise<CreditsResponse> {
    const [balance, entries] = await Promise.all([
      this.credits.balanceOf(user.id),
      this.credits.recentEntries(user.id, 20),
    ]);
    return CreditsResponse.from(balance, entries);
  }
}
