import { AuthenticatedUser, CurrentUser } from '@app/auth';
import { CreditsService } from '@app/credits';
import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';

interface CreditsResponse {
  balance: number;
  entries: {
    id: string;
    amount: number;
    reason: string;
    infograph_id: string | null;
    note: string | null;
    created_at: string;
  }[];
}

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
    return {
      balance,
      entries: entries.map((e) => ({
        id: e.id,
        amount: e.amount,
        reason: e.reason,
        infograph_id: e.infographId,
        note: e.note,
        created_at: e.createdAt.toISOString(),
      })),
    };
  }
}
